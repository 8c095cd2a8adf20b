#pragma once
// KernelTransport: the CASS's UDP and TCP sockets and its announcements on one io_uring and one
// thread (PROFILE §5.1-§5.4). It moves bytes only: UDP datagrams that pass CheckUdpDatagram and
// TCP frames cut by NextTcpFrame go to a TransportSink (the CASS engine's owner), and whatever
// the sink hands back is sent. The loop never blocks except in the ring's wait, whose timeout is
// the sink's next due time (docs/cassd.md). liburing stays out of this header.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "control/cass_types.h"
#include "crypto/bytes.h"
#include "crypto/result.h"
#include "dataplane/endpoint.h"
#include "protocol/verdicts.h"

namespace rcas::dataplane {

// Endpoint: a numeric IPv4 or IPv6 address and a port; port 0 binds an ephemeral one.

struct MulticastOptions {
  int ttl = 1;               // IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS
  bool loop = false;         // IP_MULTICAST_LOOP: deliver to listeners on this host (tests)
  std::string interface_v4;  // IP_MULTICAST_IF by address; "" = the routing table's choice
  std::string interface_v6;  // IPV6_MULTICAST_IF by interface name; "" = default
};

struct KernelTransportOptions {
  std::vector<Endpoint> udp = {{"0.0.0.0", 49104}};  // §5.2
  std::vector<Endpoint> tcp = {{"0.0.0.0", 49104}};
  // Announcements go to every target: multicast groups (§5.1) or unicast addresses.
  std::vector<Endpoint> announce = {{"239.255.103.1", 49103}};
  MulticastOptions multicast;
  bool reuse_port = true;                 // SO_REUSEPORT: more loops may share the ports later
  uint64_t tcp_idle_ms = 60'000;          // §5.3
  size_t max_connections = 4096;          // more are accepted and closed at once, counted
  size_t tcp_send_queue_bytes = 1 << 20;  // a reader this far behind is closed
  size_t udp_buffers = 64;                // provided buffers, each one whole datagram (§5.4)
  // SO_RCVBUF of each UDP socket: a reboot storm sends a burst of ~1.3 kB first requests; the
  // kernel's 208 KiB default drops them (they come back only after the CAMs' 2 s
  // retransmission). SO_RCVBUFFORCE where we may, else capped at net.core.rmem_max.
  int udp_receive_buffer = 8 << 20;
  unsigned ring_entries = 1024;
};

// Every drop and event of the transport, one X-macro list (STYLE: VPP error lists).
#define RCAS_TRANSPORT_COUNTERS(X)                                                     \
  X(kUdpRx, "udp-rx")                                                                  \
  X(kUdpBadFrame, "udp-bad-frame") /* CheckUdpDatagram refused it, §5.4 */            \
  X(kUdpOversize, "udp-oversize")  /* longer than a buffer: truncated, dropped */      \
  X(kUdpNoBuffer, "udp-no-buffer") /* every buffer busy: receive re-armed */           \
  X(kUdpTx, "udp-tx")                                                                  \
  X(kUdpSendError, "udp-send-error")                                                   \
  X(kTcpAccepted, "tcp-accepted")                                                      \
  X(kTcpRefusedFull, "tcp-refused-full") /* max_connections reached */                 \
  X(kTcpBadFrame, "tcp-bad-frame")       /* framing error: closed, no Status, §5.3 */ \
  X(kTcpIdleClosed, "tcp-idle-closed")   /* 60 s without traffic, §5.3 */             \
  X(kTcpPeerClosed, "tcp-peer-closed")                                                 \
  X(kTcpClosedAfter, "tcp-closed-after") /* the engine's close-after */                \
  X(kTcpSlowReader, "tcp-slow-reader")   /* send queue over its bound: closed */       \
  X(kTcpSendError, "tcp-send-error")                                                   \
  X(kTcpRxMessages, "tcp-rx-messages")                                                 \
  X(kTcpTxMessages, "tcp-tx-messages")                                                 \
  X(kOutNoConnection, "out-no-connection") /* answer for a connection already gone */  \
  X(kAnnounceTx, "announce-tx")                                                        \
  X(kAnnounceSendError, "announce-send-error")

RCAS_DEFINE_VERDICTS(TransportCounter, RCAS_TRANSPORT_COUNTERS)

using TransportCounters = std::array<uint64_t, kTransportCounterCount>;

// TransportSink is the loop's other half, called on the loop's thread only. Times are Unix
// milliseconds (the engine's clock).
class TransportSink {
 public:
  virtual ~TransportSink() = default;
  // OnMessage: one framed message from `peer` (a checked UDP datagram or one TCP frame).
  virtual void OnMessage(const control::PeerRef& peer, ByteView message, uint64_t now_ms) = 0;
  // OnPeerClosed: TCP connection `connection` is gone, whoever closed it.
  virtual void OnPeerClosed(uint64_t connection, uint64_t now_ms) = 0;
  // OnReadable: a watched fd (KernelTransport::Watch) is readable; the sink drains it.
  virtual void OnReadable(int fd, uint64_t now_ms) = 0;
  // Poll runs once per loop turn, after the completions: it fires what is due and appends the
  // messages to send and the announcement datagrams.
  virtual void Poll(uint64_t now_ms, std::vector<control::OutMessage>& out,
                    std::vector<Bytes>& announcements) = 0;
  // NextDueMs is when Poll next has work if nothing arrives; the loop sleeps at most until then.
  virtual uint64_t NextDueMs(uint64_t now_ms) = 0;
};

// KernelTransport owns its sockets and ring. Open, Watch and the port getters are for the
// owning thread before Run; Run blocks on that thread until Stop. Stop and counters() may be
// called from any thread (or from the sink); StopAccepting from the sink.
class KernelTransport {
 public:
  explicit KernelTransport(KernelTransportOptions options);
  ~KernelTransport();
  KernelTransport(const KernelTransport&) = delete;
  KernelTransport& operator=(const KernelTransport&) = delete;

  // Open binds every endpoint and sets up the ring; on error nothing stays open.
  Status Open();
  // Watch adds an fd (eventfd, signalfd, timerfd) whose readability calls sink.OnReadable.
  void Watch(int fd);
  // Run is the loop: it returns after Stop, with every connection closed.
  Status Run(TransportSink& sink);
  void Stop();
  // StopAccepting closes the TCP listeners (drain: live connections carry on).
  void StopAccepting();

  // The bound ports, in the order of the options' endpoints (after Open).
  std::vector<uint16_t> udp_ports() const;
  std::vector<uint16_t> tcp_ports() const;
  size_t connections() const;
  TransportCounters counters() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rcas::dataplane
