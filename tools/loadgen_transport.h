#pragma once
// LoadTransport: how rcas-loadgen's CAMs reach the CASS. A flow is one UDP source (address,
// port) of the generator: the CASS binds a session to its UDP source (PROFILE §5.4, §23 item 2),
// so a CAM session holds one flow from its first request to its end and the generator never
// runs two sessions on one flow at once. Two implementations: kernel UDP sockets
// (loadgen_udp.cc, one connected socket per flow) and a DPDK port (loadgen_dpdk.cc, flows are
// source addresses x ports of frames the generator builds itself). One thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/result.h"

namespace rcas::tools {

// LoadSink receives what Poll read. `datagram` is valid only during the call.
class LoadSink {
 public:
  virtual ~LoadSink() = default;
  virtual void OnDatagram(uint32_t flow, ByteView datagram) = 0;
};

// LoadTransportStats: what the transport itself counted.
struct LoadTransportStats {
  uint64_t tx = 0;          // datagrams handed to the kernel / the port
  uint64_t rx = 0;          // datagrams given to the sink
  uint64_t tx_dropped = 0;  // Send refused (socket buffer full, TX ring full, no neighbour yet)
  uint64_t rx_dropped = 0;  // frames or datagrams for no flow, bad headers, truncated
};

class LoadTransport {
 public:
  virtual ~LoadTransport() = default;
  // flows is how many flows exist (0 .. flows()-1); it bounds the sessions in flight.
  virtual uint32_t flows() const = 0;
  // Send queues one datagram from `flow` to the CASS; false (and tx_dropped) if it cannot.
  virtual bool Send(uint32_t flow, ByteView datagram) = 0;
  // Flush pushes out what Send queued (sendmmsg, TX burst).
  virtual void Flush() = 0;
  // Poll hands received datagrams to `sink` (at most `max` of them) and returns how many;
  // waits up to `wait_us` for the first one when nothing is ready (0: never waits).
  virtual size_t Poll(LoadSink& sink, size_t max, int wait_us) = 0;
  virtual LoadTransportStats stats() const = 0;
  // Describe names the transport for the report ("udp 4096 sockets to 127.0.0.1:49104").
  virtual std::string Describe() const = 0;
};

// UdpTransportOptions: kernel sockets, one per flow, each bound to an ephemeral port of
// `source` (empty: the kernel's choice) and connected to cass_host:cass_port.
struct UdpTransportOptions {
  std::string cass_host = "127.0.0.1";  // IPv4 or IPv6 numeric
  uint16_t cass_port = 49104;
  std::string source;           // local address to bind (e.g. another 127.x for more ports)
  uint32_t flows = 4096;        // sockets; raises RLIMIT_NOFILE as far as it goes
  int socket_buffer = 1 << 20;  // SO_RCVBUF / SO_SNDBUF per socket (the kernel may cap it)
};

// OpenUdpTransport opens the sockets; a clear error (with errno text) when one cannot be made.
Result<std::unique_ptr<LoadTransport>> OpenUdpTransport(const UdpTransportOptions& options);

// DpdkTransportOptions: one DPDK port (PCI address or vdev name, EAL initialised by the caller
// with dataplane::InitEal) that the generator owns whole. Flows are `addresses` consecutive
// IPv4 source addresses from `first_address`, each with ports first_port .. first_port +
// ports_per_address - 1; flow f is address f / ports_per_address, port f % ports_per_address.
struct DpdkTransportOptions {
  std::string device;         // "net_af_packet0", "0000:3b:00.0", ...
  std::string first_address;  // generator's first IPv4 source, e.g. "10.77.0.2"
  uint32_t addresses = 1;
  uint16_t first_port = 20000;
  uint32_t ports_per_address = 40000;
  std::string cass_address;  // the CASS's IPv4
  uint16_t cass_port = 49104;
  std::string cass_mac;  // "aa:bb:..", empty: resolved with ARP at open (timeout 3 s)
  unsigned lcore = 0;    // polled from the caller's thread; informative
  uint32_t mbufs = 16383;
};

// OpenDpdkTransport configures and starts the port (one RX/TX queue), answers ARP for the
// generator's addresses while it runs, and resolves the CASS's MAC unless given.
Result<std::unique_ptr<LoadTransport>> OpenDpdkTransport(const DpdkTransportOptions& options);

}  // namespace rcas::tools
