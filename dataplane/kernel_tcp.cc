// TCP connections (PROFILE §5.3): multishot accept; per connection one receive into its own
// buffer, cut into messages by NextTcpFrame (a framing error closes, no Status); one send of
// everything queued at a time, partial writes resumed; idle close after tcp_idle_ms.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/kernel_transport_internal.h"
#include "protocol/framing.h"

namespace rcas::dataplane {
namespace {

constexpr size_t kInitialReceive = 4096;  // a KeyRequest with its certificate fits (§5.4)

}  // namespace

void KernelTransport::Impl::ArmAccept(size_t index) {
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_multishot_accept(sqe, tcp[index].fd, nullptr, nullptr,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, OpTag(TransportOp::kAccept, index));
  tcp[index].armed = true;
  ++inflight;
}

void KernelTransport::Impl::OnAccept(size_t index, const io_uring_cqe& cqe) {
  if (!(cqe.flags & IORING_CQE_F_MORE)) {
    tcp[index].armed = false;
  }
  if (cqe.res >= 0) {
    const int fd = cqe.res;
    if (!accepting || stopping.load(std::memory_order_relaxed) || free_conns.empty()) {
      Count(TransportCounter::kTcpRefusedFull);
      close(fd);
    } else {
      const size_t slot = free_conns.back();
      free_conns.pop_back();
      Connection& c = *conns[slot];
      c.fd = fd;
      c.in_use = true;
      c.in.resize(kInitialReceive);
      c.last_active_ms = mono_ms;
      ++live_conns;
      const int one = 1;  // messages are whole: never hold one back for the next (Nagle)
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Count(TransportCounter::kTcpAccepted);
      TcpRecv(slot);
    }
  }
  if (!tcp[index].armed && accepting && !stopping.load(std::memory_order_relaxed)) {
    ArmAccept(index);
  }
}

void KernelTransport::Impl::TcpRecv(size_t slot) {
  Connection& c = *conns[slot];
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_recv(sqe, c.fd, c.in.data() + c.in_len, c.in.size() - c.in_len, 0);
  io_uring_sqe_set_data64(sqe, OpTag(TransportOp::kTcpRecv, slot));
  c.recv_posted = true;
  ++inflight;
}

void KernelTransport::Impl::OnTcpRecv(size_t slot, int res) {
  Connection& c = *conns[slot];
  c.recv_posted = false;
  if (c.closing) {
    MaybeFree(slot);
    return;
  }
  if (res <= 0) {
    CloseConnection(slot, TransportCounter::kTcpPeerClosed);  // FIN, reset or error
    return;
  }
  c.in_len += static_cast<size_t>(res);
  c.last_active_ms = mono_ms;
  const control::PeerRef peer = control::PeerRef::Tcp(c.Id(slot));
  size_t off = 0;
  for (;;) {
    const protocol::TcpFrame f = protocol::NextTcpFrame({c.in.data() + off, c.in_len - off});
    if (f.kind == protocol::TcpFrame::Kind::kClose) {
      CloseConnection(slot, TransportCounter::kTcpBadFrame);  // §5.3: no Status
      return;
    }
    if (f.kind == protocol::TcpFrame::Kind::kNeedMore) {
      if (f.size > c.in.size()) {
        c.in.resize(f.size);  // bounded: the header caps a message at 65535 + T (§5.4)
      }
      break;
    }
    Count(TransportCounter::kTcpRxMessages);
    sink->OnMessage(peer, {c.in.data() + off, f.size}, now_ms);
    off += f.size;
  }
  if (off > 0) {
    std::memmove(c.in.data(), c.in.data() + off, c.in_len - off);
    c.in_len -= off;
  }
  TcpRecv(slot);
}

void KernelTransport::Impl::QueueTcp(control::OutMessage& m) {
  const uint64_t id = m.peer.connection;
  const size_t slot = id & 0xffffffffu;
  Connection* c = slot < conns.size() ? conns[slot].get() : nullptr;
  if (c == nullptr || !c->in_use || c->closing || c->Id(slot) != id) {
    if (!m.bytes.empty()) {
      Count(TransportCounter::kOutNoConnection);
    }
    return;
  }
  if (!m.bytes.empty()) {
    Count(TransportCounter::kTcpTxMessages);
    Bytes& queue = c->send_posted ? c->next : c->out;
    queue.insert(queue.end(), m.bytes.begin(), m.bytes.end());
  }
  c->close_after = c->close_after || m.close_after;
  if (c->out.size() - c->out_off + c->next.size() > opt.tcp_send_queue_bytes) {
    CloseConnection(slot, TransportCounter::kTcpSlowReader);
    return;
  }
  TcpPump(slot);
}

void KernelTransport::Impl::TcpPump(size_t slot) {
  Connection& c = *conns[slot];
  if (c.send_posted || c.closing) {
    return;
  }
  if (c.out_off == c.out.size()) {
    c.out.swap(c.next);  // what was queued meanwhile goes next
    c.next.clear();
    c.out_off = 0;
  }
  if (c.out.empty()) {
    if (c.close_after) {
      CloseConnection(slot, TransportCounter::kTcpClosedAfter);  // §5.3, §23 item 23
    }
    return;
  }
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_send(sqe, c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, OpTag(TransportOp::kTcpSend, slot));
  c.send_posted = true;
  ++inflight;
}

void KernelTransport::Impl::OnTcpSend(size_t slot, int res) {
  Connection& c = *conns[slot];
  c.send_posted = false;
  if (c.closing) {
    MaybeFree(slot);
    return;
  }
  if (res < 0) {
    CloseConnection(slot, TransportCounter::kTcpSendError);
    return;
  }
  c.out_off += static_cast<size_t>(res);  // a partial write sends the rest next
  c.last_active_ms = mono_ms;
  TcpPump(slot);
}

// CloseConnection tells the sink at once (its session ends, §15.4) and frees the slot once the
// cancelled operations have completed.
void KernelTransport::Impl::CloseConnection(size_t slot, TransportCounter reason) {
  Connection& c = *conns[slot];
  if (c.closing) {
    return;
  }
  Count(reason);
  c.closing = true;
  --live_conns;
  if (c.recv_posted || c.send_posted) {
    CancelFd(c.fd);
  }
  if (sink != nullptr) {
    sink->OnPeerClosed(c.Id(slot), now_ms);
  }
  MaybeFree(slot);
}

void KernelTransport::Impl::MaybeFree(size_t slot) {
  Connection& c = *conns[slot];
  if (!c.closing || c.recv_posted || c.send_posted) {
    return;
  }
  close(c.fd);
  const uint32_t generation = c.generation + 1;
  c = Connection{};
  c.generation = generation;
  free_conns.push_back(slot);
}

void KernelTransport::Impl::CheckIdle() {
  if (live_conns == 0) {
    return;
  }
  for (size_t i = 0; i < conns.size(); ++i) {
    Connection& c = *conns[i];
    if (c.in_use && !c.closing && mono_ms - c.last_active_ms >= opt.tcp_idle_ms) {
      CloseConnection(i, TransportCounter::kTcpIdleClosed);
    }
  }
}

}  // namespace rcas::dataplane
