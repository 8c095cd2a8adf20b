#pragma once
// The DPDK transport's shared state: the port, the pool, per-worker rings and tables, and the
// metadata that travels in each mbuf's private area between a worker and the control thread.
// Internal: the only header of the project that includes DPDK's.

#include <rte_config.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/dpdk_transport.h"
#include "dataplane/flow_table.h"
#include "dataplane/frame.h"
#include "dataplane/ip_reassembly.h"
#include "dataplane/keyed_stage.h"
#include "dataplane/neighbor_table.h"

struct rte_pcapng;

namespace rcas::dataplane {

inline constexpr uint16_t kBurst = 32;
inline constexpr unsigned kRingSize = 4096;  // per ring: to-control, TX, commands, capture
inline constexpr uint16_t kHeadroom = 64;    // room for Ethernet + VLAN + IPv6 + UDP headers

// MbufMeta sits in the private area of every mbuf of the pool.
struct MbufMeta {
  // Worker -> control: a message at data + payload_offset.
  uint16_t payload_offset = 0;
  uint16_t payload_len = 0;
  uint16_t plain_offset = 0;  // pre-opened: the plaintext, from the payload's start
  uint16_t plain_len = 0;
  uint8_t pre_opened = 0;
  uint8_t verdict = 0;  // protocol::ProtectError
  uint8_t worker = 0;
  uint64_t session = 0;
  // Both ways: the CAM's address and port (sender on RX, destination on TX).
  IpAddr peer;
  uint16_t peer_port = 0;
  uint8_t announce = 0;  // TX: an announcement (multicast TTL)  // TX: an announcement (multicast
                         // or unicast target)
};

// FlowCommand: control -> worker, applied at the top of the worker's turn.
struct FlowCommand {
  bool install = true;
  FlowKey key;
  uint64_t session = 0;
  protocol::FlowKeys keys;
};

struct Worker;

struct DpdkTransport::Impl {
  DpdkOptions options;
  uint16_t port = 0;
  rte_mempool* pool = nullptr;      // 2 KiB buffers: every received frame, most answers
  rte_mempool* big_pool = nullptr;  // 64 KiB buffers: long answers, reassembled datagrams
  rte_mempool* capture_pool = nullptr;
  uint16_t mtu = 1500;
  LocalAddrs local;
  NicChecksums rx_nic;  // the checksum offloads enabled on the port, each way
  NicChecksums tx_nic;
  std::vector<std::unique_ptr<Worker>> workers;
  int event_fd = -1;
  std::atomic<bool> notified{false};
  std::atomic<bool> stop{false};
  std::atomic<bool> capture_on{false};
  rte_pcapng* capture = nullptr;
  int capture_fd = -1;
  bool started = false;
  bool port_started = false;
  std::array<uint64_t, kDpdkCounterCount> control_events{};  // control side (Send)

  ~Impl();
  void Notify();
};

// Worker: one lcore's queue pair and everything it owns.
struct Worker {
  Worker(DpdkTransport::Impl& owner, unsigned index, size_t flows);
  ~Worker();

  // Turn runs one loop turn: commands, TX from control, RX burst; returns whether it did work.
  bool Turn();
  // Run loops Turn until the transport stops (the lcore's function).
  void Run();

  DpdkTransport::Impl& impl;
  unsigned index;
  uint16_t queue;
  unsigned lcore = 0;  // 0: not launched (the main lcore never runs a worker)
  rte_ring* to_control = nullptr;
  rte_ring* tx_ring = nullptr;
  rte_ring* commands = nullptr;
  rte_ring* capture = nullptr;
  FlowTable flows;
  KeyedStage stage;
  NeighborTable neighbors;
  Reassembler reassembler;
  uint64_t tsc_per_ms = 1;
  std::array<uint64_t, kDpdkCounterCount> events{};
  std::array<uint64_t, kFrameVerdictCount> frames{};
  rte_mbuf* tx_pending[kBurst * 2] = {};
  uint16_t tx_count = 0;
  uint64_t tx_deadline = 0;
  uint64_t tx_drain_cycles = 0;
  unsigned idle_turns = 0;
  uint32_t next_fragment_id = 1;

  void Add(DpdkCounter c) { ++events[static_cast<size_t>(c)]; }
  // worker_rx.cc / worker_tx.cc
  void Receive(rte_mbuf** pkts, uint16_t n);
  NicChecksums NicChecked(const rte_mbuf* m) const;
  void Answer(rte_mbuf* m, FrameVerdict verdict, const FrameView& v, uint64_t now);
  bool AcceptUdp(rte_mbuf* m, const FrameView& v, uint64_t now, KeyedInput* in);
  rte_mbuf* Reassemble(rte_mbuf* m, const FrameView& v, uint64_t now);
  void Learn(const IpAddr& ip, const MacAddr& mac, uint64_t now);
  void ApplyCommands();
  unsigned TakeFromControl();
  void Transmit(rte_mbuf* m);  // queues one built frame
  void FlushTx();
  bool BuildAnswer(rte_mbuf* m);  // control's message -> frame; false: freed
  void SetTxOffloads(rte_mbuf* m, const NicChecksums& nic, bool v6, bool vlan);
  void Capture(rte_mbuf* const* pkts, uint16_t n, bool rx);
  void Resolve(const IpAddr& next_hop);
  void Fragment(ByteView frame, bool v6, size_t count);
};

// FlowKeyOf / PeerOf convert between the CAM's address and the engine's PeerRef.
FlowKey FlowKeyOf(const IpAddr& ip, uint16_t port);
control::PeerRef PeerOf(const IpAddr& ip, uint16_t port, unsigned worker);
// FillPeer writes the CAM's address into `p` in place (Drain reuses one PeerRef per burst).
void FillPeer(const IpAddr& ip, uint16_t port, unsigned worker, control::PeerRef* p);
bool PeerAddress(const control::PeerRef& p, IpAddr* ip, uint16_t* port);

// dpdk_transport.cc: the control side's queues to a worker.
bool QueueTx(DpdkTransport::Impl& impl, Worker& w, ByteView bytes, const IpAddr& ip, uint16_t port,
             bool announce);
void QueueCommand(DpdkTransport::Impl& impl, const control::PeerRef& peer, uint64_t session,
                  const protocol::FlowKeys* keys);
// dpdk_capture.cc: the frames the workers copied, into the pcapng file (control thread).
void WriteCapture(DpdkTransport::Impl& impl);
// dpdk_telemetry.cc: the /rcas/... commands read `t` (null: none registered).
void RegisterTelemetry(const DpdkTransport* t);

inline MbufMeta& Meta(rte_mbuf* m) { return *static_cast<MbufMeta*>(rte_mbuf_to_priv(m)); }

}  // namespace rcas::dataplane
