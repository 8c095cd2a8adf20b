// KernelTransport: sockets, the ring, the loop and its dispatch (dataplane/kernel_transport.h).
// Datagrams are in kernel_udp.cc, connections in kernel_tcp.cc.

#include "dataplane/kernel_transport.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/tcp.h>
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

Error SysError(const std::string& what) {
  return Error{"transport: " + what + ": " + std::strerror(errno)};
}

std::string Describe(const Endpoint& e) { return e.address + " port " + std::to_string(e.port); }

uint16_t BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

Result<int> BoundSocket(const Endpoint& e, int type, bool reuse_port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (!ParseSocketAddress(e, &ss, &len)) {
    return Error{"transport: '" + e.address + "' is not a numeric IPv4 or IPv6 address"};
  }
  const int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return SysError("socket");
  }
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  }
  if (ss.ss_family == AF_INET6) {  // "::" takes IPv4 too unless an IPv4 endpoint is listed
    const int v6only = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      (type == SOCK_STREAM && listen(fd, 1024) != 0)) {
    const Error err = SysError("bind " + Describe(e));
    close(fd);
    return err;
  }
  return fd;
}

}  // namespace

bool ParseSocketAddress(const Endpoint& e, sockaddr_storage* ss, socklen_t* len) {
  *ss = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, e.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(e.port);
    *len = sizeof(sockaddr_in);
    return true;
  }
  if (inet_pton(AF_INET6, e.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(e.port);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

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
    return SysError("eventfd");
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

Status KernelTransport::Impl::OpenSockets() {
  for (const Endpoint& e : opt.udp) {
    auto fd = BoundSocket(e, SOCK_DGRAM, opt.reuse_port);
    if (!fd.ok()) {
      return Error{fd.error()};
    }
    UdpSocket& u = udp.emplace_back();
    u.fd = *fd;
    u.port = BoundPort(u.fd);
    sockaddr_storage ss{};
    socklen_t len = 0;
    ParseSocketAddress(e, &ss, &len);
    u.family = ss.ss_family;
  }
  for (const Endpoint& e : opt.tcp) {
    auto fd = BoundSocket(e, SOCK_STREAM, opt.reuse_port);
    if (!fd.ok()) {
      return Error{fd.error()};
    }
    tcp.push_back({*fd, BoundPort(*fd), false});
  }
  for (const Endpoint& e : opt.announce) {
    sockaddr_storage& to = announce_to.emplace_back();
    socklen_t len = 0;
    if (!ParseSocketAddress(e, &to, &len)) {
      return Error{"transport: announce target '" + e.address + "' is not a numeric address"};
    }
    int& fd = to.ss_family == AF_INET ? announce_v4 : announce_v6;
    if (fd >= 0) {
      continue;
    }
    fd = socket(to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      return SysError("announce socket");
    }
    const int ttl = opt.multicast.ttl;
    const int loop = opt.multicast.loop ? 1 : 0;
    bool ok = true;
    if (to.ss_family == AF_INET) {
      ok = setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) == 0 &&
           setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) == 0;
      if (ok && !opt.multicast.interface_v4.empty()) {
        in_addr a{};
        ok = inet_pton(AF_INET, opt.multicast.interface_v4.c_str(), &a) == 1 &&
             setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof a) == 0;
      }
    } else {
      ok = setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof ttl) == 0 &&
           setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof loop) == 0;
      if (ok && !opt.multicast.interface_v6.empty()) {
        const int index = static_cast<int>(if_nametoindex(opt.multicast.interface_v6.c_str()));
        ok = index != 0 &&
             setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index) == 0;
      }
    }
    if (!ok) {
      return SysError("multicast options (ttl, loop, interface) for " + Describe(e));
    }
  }
  return OkStatus();
}

Status KernelTransport::Impl::SetUpBuffers() {
  buf_entries = 1;
  while (buf_entries < opt.udp_buffers && buf_entries < 32768) {
    buf_entries <<= 1;
  }
  void* mem = nullptr;
  if (posix_memalign(&mem, 4096, buf_entries * sizeof(io_uring_buf)) != 0) {
    return Error{"transport: no memory for the buffer ring"};
  }
  buf_ring = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(buf_ring);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(buf_ring);
  reg.ring_entries = buf_entries;
  reg.bgid = kUdpBufferGroup;
  if (const int r = io_uring_register_buf_ring(&ring, &reg, 0); r < 0) {
    return Error{std::string("transport: io_uring_register_buf_ring: ") + std::strerror(-r)};
  }
  buffers = std::make_unique<uint8_t[]>(size_t{buf_entries} * kUdpBufferSize);
  const int mask = io_uring_buf_ring_mask(buf_entries);
  for (unsigned i = 0; i < buf_entries; ++i) {
    io_uring_buf_ring_add(buf_ring, buffers.get() + size_t{i} * kUdpBufferSize, kUdpBufferSize,
                          static_cast<unsigned short>(i), mask, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buf_ring, static_cast<int>(buf_entries));
  return OkStatus();
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
