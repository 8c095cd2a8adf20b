#pragma once
// DpdkTransport: RCAS over UDP on one DPDK port (issue 5, docs/dataplane.md). Worker lcores poll
// the port, run to completion: RX burst -> Ethernet/VLAN/IP/UDP checks -> ARP, ICMP echo and
// IPv6 ND answered in place -> RCAS framing -> per-lcore flow lookup -> one IPsec-MB burst that
// verifies and decrypts the keyed messages -> SPSC ring to the control thread. The control
// thread (rcas-cassd's io_uring loop, which also serves TCP on kernel sockets) drains that ring
// when event_fd() is readable, runs the engine and hands the answers back on each worker's TX
// ring; workers add the headers and send in bursts. DPDK headers stay out of this file.
//
// Threads: Open, Start, Stop and the control calls (Drain, Send, Announce, InstallKeys,
// RemoveFlow, capture) run on the owner's thread; stats() from any thread.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/cass_types.h"
#include "crypto/bytes.h"
#include "crypto/result.h"
#include "dataplane/dpdk_counters.h"
#include "dataplane/endpoint.h"
#include "protocol/flow_keys.h"
#include "protocol/protect.h"

namespace rcas::dataplane {

struct DpdkOptions {
  std::string device;         // the port by name: a vdev ("net_af_packet0") or a PCI address
  std::string address;        // the gateway's IPv4 address on the port ("" = none)
  std::string address6;       // its global IPv6 address ("" = none)
  uint16_t udp_port = 49104;  // PROFILE §5.2
  uint16_t vlan = 0;          // 802.1Q VLAN ID of the port's frames; 0 = untagged
  uint8_t multicast_ttl = 1;  // announcements to groups (unicast: 64)
  // Worker lcores (the EAL's lcores after the main one). 0: no lcore is launched and the owner
  // turns the workers' loops itself with PollWorkers (in-process tests, one-core runs).
  unsigned workers = 1;
  // workers == 0: how many queue pairs, one worker loop each, PollWorkers turns. The owner puts
  // the frames on the queues itself, so no RSS is asked of the port (tests of several workers).
  unsigned poll_queues = 1;
  unsigned mbufs = 8191;
  unsigned big_mbufs = 127;     // 64 KiB buffers for datagrams over 2 KiB (PROFILE §5.4)
  size_t max_datagram = 16384;  // the longest datagram reassembled from IP fragments
  uint16_t rx_descriptors = 1024;
  uint16_t tx_descriptors = 1024;
  uint32_t idle_sleep_us = 0;      // 0: poll without pause; else nap this long after idle turns
  size_t flows = size_t{1} << 16;  // per worker
  uint32_t tx_drain_us = 100;      // partial TX bursts leave at least this often
  // The IPv4 header and UDP checksums on the NIC where the port offers it (RX verification, TX
  // computation); false: always in software.
  bool checksum_offload = true;
  // With this many messages already waiting for the control thread, a worker drops new first
  // requests (KeyRequest, KeyRegRequest: RSA work) and still queues keyed messages.
  unsigned shed_first_requests_at = 3072;
};

// InitEal starts DPDK's EAL with `args` (argv[0] is added); once per process.
Status InitEal(const std::vector<std::string>& args);
// CleanupEal releases what InitEal took (rte_eal_cleanup); after every transport is gone.
void CleanupEal();

// Peers on a DPDK port carry this tag in PeerRef::connection and the index of the worker their
// last message came through in PeerRef::route: answers and flow commands go to that worker.
inline constexpr uint64_t kDpdkPeerTag = uint64_t{1} << 62;
inline bool IsDpdkPeer(const control::PeerRef& p) {
  return !p.tcp() && (p.connection & kDpdkPeerTag) != 0;
}

// DpdkMessage: one message for the control thread. With pre_opened the worker verified the MAC
// (verdict) and, for encrypted types, decrypted the content in place: `content` is the DER
// plaintext; `message` keeps the header (and the whole message when the MAC was bad).
struct DpdkMessage {
  control::PeerRef peer;
  ByteView message;
  bool pre_opened = false;
  uint64_t session = 0;
  protocol::ProtectError verdict = protocol::ProtectError::kOk;
  ByteView content;
};

class DpdkTransport {
 public:
  // Open configures the port (after InitEal): one RX/TX queue pair per worker with RSS on the
  // UDP 4-tuple where the port offers it (else one worker), the mbuf pool and the rings.
  static Result<std::unique_ptr<DpdkTransport>> Open(const DpdkOptions& options);
  ~DpdkTransport();
  DpdkTransport(const DpdkTransport&) = delete;
  DpdkTransport& operator=(const DpdkTransport&) = delete;

  // Start starts the port and launches the worker lcores; Stop stops RX, lets the workers
  // finish their turn, drains every ring and stops the port. Stop is idempotent.
  Status Start();
  void Stop();
  // PollWorkers runs one loop turn of every worker on the caller's thread (workers == 0);
  // returns whether any did work.
  bool PollWorkers();

  // event_fd is readable when messages wait for Drain.
  int event_fd() const;
  // Drain hands at most `max` queued messages to `fn` (views valid during the call only) and
  // writes the capture file's pending packets; returns how many messages.
  size_t Drain(const std::function<void(const DpdkMessage&)>& fn, size_t max = 256);
  // Send queues `m` for the worker of its peer; false (counted) when the ring or pool is full.
  bool Send(const control::OutMessage& m);
  // Announce sends `datagram` to `target` (a multicast group or unicast address, PROFILE §5.1)
  // from the gateway's address and UDP port, through the first worker.
  bool Announce(ByteView datagram, const Endpoint& target);
  // InstallKeys / RemoveFlow update the flow table of the peer's worker; commands are applied
  // before any answer queued after them (the engine installs keys before it sends the message
  // that lets the CAM use them). RemoveFlow leaves a newer session of the same source alone.
  void InstallKeys(const control::PeerRef& peer, uint64_t session, const protocol::FlowKeys& keys);
  void RemoveFlow(const control::PeerRef& peer, uint64_t session);

  // Capture: every frame received or sent on the port, as pcapng (written by Drain).
  Status StartCapture(const std::string& path);
  void StopCapture();
  bool capturing() const;

  // stats: the port's counters, summed over the workers, plus the control side's send counters.
  DpdkStats stats() const;
  // worker_stats: the counters of worker `worker` alone (how RSS spread the CAMs); the control
  // side's send counters are in stats() only. Empty stats for an index >= workers().
  DpdkStats worker_stats(unsigned worker) const;
  unsigned workers() const;
  uint16_t port_id() const;
  std::string mac() const;

  struct Impl;

 private:
  explicit DpdkTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rcas::dataplane
