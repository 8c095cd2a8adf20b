// Datagrams: multishot recvmsg on provided buffers in (one CQE per datagram, no syscall per
// datagram, no copy before the engine), sendmsg out; announcements to every target (§5.1).

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>

#include "dataplane/kernel_transport_internal.h"
#include "protocol/framing.h"

namespace rcas::dataplane {

void KernelTransport::Impl::ArmUdpRecv(size_t index) {
  UdpSocket& u = udp[index];
  u.msg = {};
  u.msg.msg_namelen = sizeof(sockaddr_storage);
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_recvmsg_multishot(sqe, u.fd, &u.msg, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kUdpBufferGroup;
  io_uring_sqe_set_data64(sqe, OpTag(TransportOp::kUdpRecv, index));
  u.armed = true;
  ++inflight;
}

void KernelTransport::Impl::OnUdpRecv(size_t index, const io_uring_cqe& cqe) {
  UdpSocket& u = udp[index];
  const bool stopped = stopping.load(std::memory_order_relaxed);
  if (cqe.flags & IORING_CQE_F_BUFFER) {
    const unsigned bid = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
    uint8_t* buf = buffers.get() + size_t{bid} * kUdpBufferSize;
    io_uring_recvmsg_out* o =
        cqe.res > 0 ? io_uring_recvmsg_validate(buf, cqe.res, &u.msg) : nullptr;
    if (o != nullptr && !stopped) {
      Count(TransportCounter::kUdpRx);
      const auto* payload = static_cast<const uint8_t*>(io_uring_recvmsg_payload(o, &u.msg));
      const size_t len = io_uring_recvmsg_payload_length(o, cqe.res, &u.msg);
      protocol::Header h;
      if (o->flags & MSG_TRUNC) {
        Count(TransportCounter::kUdpOversize);
      } else if (protocol::CheckUdpDatagram({payload, len}, &h) != protocol::FrameError::kOk) {
        Count(TransportCounter::kUdpBadFrame);  // §5.4: discarded, the socket keeps serving
      } else {
        const socklen_t name_len = std::min<socklen_t>(o->namelen, u.msg.msg_namelen);
        const auto peer =
            control::PeerRef::Udp(static_cast<const sockaddr*>(io_uring_recvmsg_name(o)), name_len);
        sink->OnMessage(peer, {payload, len}, now_ms);
      }
    }
    // The engine copied what it keeps: the buffer goes straight back to the ring.
    io_uring_buf_ring_add(buf_ring, buf, kUdpBufferSize, static_cast<unsigned short>(bid),
                          io_uring_buf_ring_mask(buf_entries), 0);
    io_uring_buf_ring_advance(buf_ring, 1);
  } else if (cqe.res == -ENOBUFS) {
    Count(TransportCounter::kUdpNoBuffer);  // buffers are back now: re-armed below
  }
  if (!(cqe.flags & IORING_CQE_F_MORE)) {
    u.armed = false;
    if (!stopped && cqe.res != -ECANCELED) {
      ArmUdpRecv(index);
    }
  }
}

void KernelTransport::Impl::SendUdp(int fd, Bytes bytes, const sockaddr_storage& to,
                                    bool announce) {
  size_t index = 0;
  if (free_sends.empty()) {
    index = sends.size();
    sends.push_back(std::make_unique<UdpSend>());
  } else {
    index = free_sends.back();
    free_sends.pop_back();
  }
  UdpSend& s = *sends[index];
  s.bytes = std::move(bytes);
  s.to = to;
  s.announce = announce;
  s.iov = {s.bytes.data(), s.bytes.size()};
  s.msg = {};
  s.msg.msg_name = &s.to;
  s.msg.msg_namelen = to.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  s.msg.msg_iov = &s.iov;
  s.msg.msg_iovlen = 1;
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_sendmsg(sqe, fd, &s.msg, 0);
  io_uring_sqe_set_data64(sqe, OpTag(TransportOp::kUdpSend, index));
  ++inflight;
}

// SendToPeer answers from the listening socket of the peer's family, so that the CAM sees the
// address and port it sent to (§5.4).
void KernelTransport::Impl::SendToPeer(const control::PeerRef& peer, Bytes bytes) {
  for (const UdpSocket& u : udp) {
    if (u.family == peer.address.ss_family) {
      SendUdp(u.fd, std::move(bytes), peer.address, false);
      return;
    }
  }
  Count(TransportCounter::kUdpSendError);
}

void KernelTransport::Impl::SendAnnouncements(std::vector<Bytes>& datagrams) {
  for (Bytes& d : datagrams) {
    for (const sockaddr_storage& to : announce_to) {
      SendUdp(to.ss_family == AF_INET ? announce_v4 : announce_v6, d, to, true);
    }
  }
}

void KernelTransport::Impl::OnUdpSend(size_t index, int res) {
  UdpSend& s = *sends[index];
  if (s.announce) {
    Count(res >= 0 ? TransportCounter::kAnnounceTx : TransportCounter::kAnnounceSendError);
  } else {
    Count(res >= 0 ? TransportCounter::kUdpTx : TransportCounter::kUdpSendError);
  }
  s.bytes = Bytes{};
  free_sends.push_back(index);
}

}  // namespace rcas::dataplane
