// KernelTransport: sockets, the ring, the loop and its dispatch (dataplane/kernel_transport.h).
// Datagrams are in kernel_udp.cc, connections in kernel_tcp.cc.

#include "dataplane/kernel_transport.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dataplane/kernel_transport_internal.h"

namespace rcas::dataplane {
namespace {

constexpr int kHousekeepingMs = 1000;  // idle checks; the longest sleep of the loop
constexpr int kShutdownMs = 2000;      // Run waits this long for cancelled operations

uint64_t ClockMs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1'000'000;
}

}  // namespace

KernelTransport::KernelTransport(KernelTransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

KernelTransport::~KernelTransport() {
  Impl& m = *impl_;
  for (const UdpSocket& u : m.udp) {
    close(u.fd);
  }
  for (const TcpListener& t : m.tcp) {
    if (t.fd >= 0) {
      close(t.fd);
    }
  }
  for (int fd : {m.announce_v4, m.announce_v6, m.wake_fd}) {
    if (fd >= 0) {
      close(fd);
    }
  }
  if (m.ring_ready) {
    io_uring_queue_exit(&m.ring);
  }
  free(m.buf_ring);
}

Status KernelTransport::Open() {
  Impl& m = *impl_;
  if (m.ring_ready) {
    return Error{"transport: already open"};
  }
  if (m.opt.udp_buffers == 0 || m.opt.max_connections == 0 || m.opt.max_connections >= 1u << 31) {
    return Error{"transport: bad options"};
  }
  if (Status s = m.OpenSockets(); !s.ok()) {
    return s;
  }
  m.wake_fd = eventfd(0, EFD_CLOEXEC);
  if (m.wake_fd < 0) {
    return Error{std::string("transport: eventfd: ") + std::strerror(errno)};
  }
  if (const int r = io_uring_queue_init(m.opt.ring_entries, &m.ring, 0); r < 0) {
    return Error{std::string("transport: io_uring_queue_init: ") + std::strerror(-r)};
  }
  m.ring_ready = true;
  m.conns.resize(m.opt.max_connections);
  for (size_t i = m.opt.max_connections; i-- > 0;) {
    m.conns[i] = std::make_unique<Connection>();
    m.conns[i]->generation = 1;  // no connection id is 0
    m.free_conns.push_back(i);
  }
  return m.SetUpBuffers();
}

void KernelTransport::Watch(int fd) { impl_->watched.push_back(fd); }

void KernelTransport::Stop() {
  impl_->stopping.store(true);
  const uint64_t one = 1;
  if (impl_->wake_fd >= 0) {
    (void)!write(impl_->wake_fd, &one, sizeof one);
  }
}

void KernelTransport::StopAccepting() {
  Impl& m = *impl_;
  m.accepting = false;
  for (TcpListener& t : m.tcp) {
    if (t.fd >= 0) {
      m.CancelFd(t.fd);  // the accept completes with -ECANCELED; the fd closes at exit
    }
  }
}

std::vector<uint16_t> KernelTransport::udp_ports() const {
  std::vector<uint16_t> out;
  for (const UdpSocket& u : impl_->udp) {
    out.push_back(u.port);
  }
  return out;
}

std::vector<uint16_t> KernelTransport::tcp_ports() const {
  std::vector<uint16_t> out;
  for (const TcpListener& t : impl_->tcp) {
    out.push_back(t.port);
  }
  return out;
}

size_t KernelTransport::connections() const { return impl_->live_conns; }

TransportCounters KernelTransport::counters() const {
  TransportCounters out{};
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = impl_->counters[i].load(std::memory_order_relaxed);
  }
  return out;
}

Status KernelTransport::Run(TransportSink& sink) {
  Impl& m = *impl_;
  if (!m.ring_ready) {
    return Error{"transport: Run before Open"};
  }
  m.sink = &sink;
  m.ArmWake();
  for (size_t i = 0; i < m.watched.size(); ++i) {
    m.ArmWatch(i);
  }
  for (size_t i = 0; i < m.udp.size(); ++i) {
    m.ArmUdpRecv(i);
  }
  for (size_t i = 0; i < m.tcp.size(); ++i) {
    m.ArmAccept(i);
  }
  uint64_t next_housekeeping = ClockMs(CLOCK_MONOTONIC) + kHousekeepingMs;
  while (!m.stopping.load(std::memory_order_relaxed)) {
    m.now_ms = ClockMs(CLOCK_REALTIME);
    sink.Poll(m.now_ms, m.out_scratch, m.announce_scratch);
    m.Route();
    const uint64_t due = sink.NextDueMs(m.now_ms);
    const uint64_t wait = due <= m.now_ms ? 0 : std::min<uint64_t>(due - m.now_ms, kHousekeepingMs);
    m.Reap(static_cast<int>(wait));
    if (m.mono_ms >= next_housekeeping) {
      m.CheckIdle();
      next_housekeeping = m.mono_ms + kHousekeepingMs;
    }
  }
  m.Shutdown();
  m.sink = nullptr;
  return OkStatus();
}

io_uring_sqe* KernelTransport::Impl::Sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  while (sqe == nullptr) {
    io_uring_submit(&ring);  // the submission queue is full: hand it over and retry
    sqe = io_uring_get_sqe(&ring);
  }
  return sqe;
}

// Reap is the loop's only wait: submit, sleep until a completion or `wait_ms`, dispatch all.
void KernelTransport::Impl::Reap(int wait_ms) {
  __kernel_timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1'000'000LL};
  io_uring_cqe* cqe = nullptr;
  io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, nullptr);
  now_ms = ClockMs(CLOCK_REALTIME);
  mono_ms = ClockMs(CLOCK_MONOTONIC);
  unsigned head = 0;
  unsigned n = 0;
  io_uring_for_each_cqe(&ring, head, cqe) {
    Dispatch(*cqe);
    ++n;
  }
  io_uring_cq_advance(&ring, n);
}

void KernelTransport::Impl::Dispatch(const io_uring_cqe& cqe) {
  const auto op = static_cast<TransportOp>(cqe.user_data & 0xff);
  const size_t index = cqe.user_data >> 8;
  if (op != TransportOp::kCancel && !(cqe.flags & IORING_CQE_F_MORE)) {
    --inflight;
  }
  switch (op) {
    case TransportOp::kCancel:
      break;
    case TransportOp::kWake:
      if (!stopping.load(std::memory_order_relaxed)) {
        ArmWake();
      }
      break;
    case TransportOp::kWatch:
      if (sink != nullptr) {
        sink->OnReadable(watched[index], now_ms);
      }
      if (!(cqe.flags & IORING_CQE_F_MORE) && !stopping.load(std::memory_order_relaxed)) {
        ArmWatch(index);
      }
      break;
    case TransportOp::kUdpRecv:
      OnUdpRecv(index, cqe);
      break;
    case TransportOp::kUdpSend:
      OnUdpSend(index, cqe.res);
      break;
    case TransportOp::kAccept:
      OnAccept(index, cqe);
      break;
    case TransportOp::kTcpRecv:
      OnTcpRecv(index, cqe.res);
      break;
    case TransportOp::kTcpSend:
      OnTcpSend(index, cqe.res);
      break;
  }
}

void KernelTransport::Impl::ArmWake() {
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_read(sqe, wake_fd, &wake_buf, sizeof wake_buf, 0);
  io_uring_sqe_set_data64(sqe, OpTag(TransportOp::kWake, 0));
  ++inflight;
}

void KernelTransport::Impl::ArmWatch(size_t index) {
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_poll_multishot(sqe, watched[index], POLLIN);
  io_uring_sqe_set_data64(sqe, OpTag(TransportOp::kWatch, index));
  ++inflight;
}

void KernelTransport::Impl::CancelFd(int fd) {
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, OpTag(TransportOp::kCancel, 0));
}

// Route sends what the sink produced this turn.
void KernelTransport::Impl::Route() {
  for (control::OutMessage& m : out_scratch) {
    if (m.peer.tcp()) {
      QueueTcp(m);
    } else if (!m.bytes.empty()) {
      SendToPeer(m.peer, std::move(m.bytes));
    }
  }
  out_scratch.clear();
  if (!announce_scratch.empty()) {
    SendAnnouncements(announce_scratch);
    announce_scratch.clear();
  }
}

// Shutdown cancels everything, closes every connection (telling the sink) and waits, bounded,
// for the cancelled operations so that no buffer is freed under the kernel.
void KernelTransport::Impl::Shutdown() {
  for (size_t i = 0; i < conns.size(); ++i) {
    if (conns[i]->in_use && !conns[i]->closing) {
      CloseConnection(i, TransportCounter::kTcpPeerClosed);
    }
  }
  for (const UdpSocket& u : udp) {
    CancelFd(u.fd);
  }
  for (const TcpListener& t : tcp) {
    CancelFd(t.fd);
  }
  for (size_t i = 0; i < watched.size(); ++i) {
    CancelFd(watched[i]);
  }
  CancelFd(wake_fd);
  const uint64_t give_up = ClockMs(CLOCK_MONOTONIC) + kShutdownMs;
  while (inflight > 0 && mono_ms < give_up) {
    Reap(10);
  }
}

}  // namespace rcas::dataplane
