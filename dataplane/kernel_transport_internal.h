#pragma once
// KernelTransport::Impl: the ring, sockets and per-connection state. Internal to dataplane/
// (pulls in liburing.h). Split by idea: kernel_transport.cc (sockets, loop, dispatch),
// kernel_udp.cc (datagrams in, datagrams and announcements out), kernel_tcp.cc (connections).

#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <memory>
#include <vector>

#include "dataplane/kernel_transport.h"

namespace rcas::dataplane {

// What a completion belongs to: the low 8 bits of user_data; the rest is an index.
enum class TransportOp : uint8_t {
  kWake,
  kCancel,
  kWatch,
  kUdpRecv,
  kUdpSend,
  kAccept,
  kTcpRecv,
  kTcpSend,
};

inline uint64_t OpTag(TransportOp op, uint64_t index) { return (index << 8) | uint8_t(op); }

inline constexpr uint16_t kUdpBufferGroup = 1;
// One provided buffer holds the largest datagram of §5.4 plus io_uring's recvmsg header and
// the source address.
inline constexpr size_t kUdpBufferSize = 66 * 1024;

struct UdpSocket {
  int fd = -1;
  int family = AF_INET;
  uint16_t port = 0;
  bool armed = false;
  msghdr msg = {};  // the multishot template: name length only
};

struct TcpListener {
  int fd = -1;
  uint16_t port = 0;
  bool armed = false;
};

// UdpSend: one datagram in flight; kept until its completion.
struct UdpSend {
  Bytes bytes;
  sockaddr_storage to = {};
  iovec iov = {};
  msghdr msg = {};
  bool announce = false;
};

// Connection: one TCP connection. Its slot is freed only when no operation of it is in flight,
// so a completion never finds a reused slot; the generation makes every id unique.
struct Connection {
  int fd = -1;
  uint32_t generation = 0;
  bool in_use = false;
  bool closing = false;
  bool recv_posted = false;
  bool send_posted = false;
  bool close_after = false;  // close once `out` is written (§5.3)
  Bytes in;                  // received, not yet framed: in[0, in_len)
  size_t in_len = 0;
  Bytes out;  // being sent: out[out_off, out.size()); never touched while a send is posted
  size_t out_off = 0;
  Bytes next;  // queued while a send is posted (growing `out` would move the kernel's buffer)
  uint64_t last_active_ms = 0;  // monotonic

  uint64_t Id(size_t slot) const { return (uint64_t{generation} << 32) | slot; }
};

struct KernelTransport::Impl {
  explicit Impl(KernelTransportOptions o) : opt(std::move(o)) {}

  KernelTransportOptions opt;
  io_uring ring = {};
  bool ring_ready = false;
  int wake_fd = -1;
  uint64_t wake_buf = 0;
  std::vector<int> watched;
  std::vector<UdpSocket> udp;
  std::vector<TcpListener> tcp;
  int announce_v4 = -1;
  int announce_v6 = -1;
  std::vector<sockaddr_storage> announce_to;
  io_uring_buf_ring* buf_ring = nullptr;
  unsigned buf_entries = 0;
  std::unique_ptr<uint8_t[]> buffers;
  std::vector<std::unique_ptr<UdpSend>> sends;
  std::vector<size_t> free_sends;
  std::vector<std::unique_ptr<Connection>> conns;
  std::vector<size_t> free_conns;
  size_t live_conns = 0;
  int inflight = 0;  // operations whose last completion has not come (multishot count once)
  std::atomic<bool> stopping{false};
  bool accepting = true;
  TransportSink* sink = nullptr;
  uint64_t now_ms = 0;   // Unix, for the sink
  uint64_t mono_ms = 0;  // idle timers
  std::vector<control::OutMessage> out_scratch;
  std::vector<Bytes> announce_scratch;
  std::array<std::atomic<uint64_t>, kTransportCounterCount> counters{};

  void Count(TransportCounter c) {
    auto& a = counters[static_cast<size_t>(c)];
    a.store(a.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);  // one writer
  }

  // kernel_transport.cc
  Status OpenSockets();
  Status SetUpBuffers();
  io_uring_sqe* Sqe();
  void Reap(int wait_ms);
  void Dispatch(const io_uring_cqe& cqe);
  void ArmWake();
  void ArmWatch(size_t index);
  void CancelFd(int fd);
  void Route();
  void Shutdown();

  // kernel_udp.cc
  void ArmUdpRecv(size_t index);
  void OnUdpRecv(size_t index, const io_uring_cqe& cqe);
  void SendUdp(int fd, Bytes bytes, const sockaddr_storage& to, bool announce);
  void SendToPeer(const control::PeerRef& peer, Bytes bytes);
  void SendAnnouncements(std::vector<Bytes>& datagrams);
  void OnUdpSend(size_t index, int res);

  // kernel_tcp.cc
  void ArmAccept(size_t index);
  void OnAccept(size_t index, const io_uring_cqe& cqe);
  void TcpRecv(size_t slot);
  void OnTcpRecv(size_t slot, int res);
  void QueueTcp(control::OutMessage& m);
  void TcpPump(size_t slot);
  void OnTcpSend(size_t slot, int res);
  void CloseConnection(size_t slot, TransportCounter reason);
  void MaybeFree(size_t slot);
  void CheckIdle();
};

}  // namespace rcas::dataplane
