#pragma once
// BenchPort: the setup of perf/dpdk/dpdk_worker_bench.cc. One DpdkTransport on a net_ring port
// whose two rte_rings the benchmark owns (workers = 0: the benchmark turns the worker's loop
// with PollWorkers; tx_drain_us = 0), kFlows fast-mode flows installed through InstallKeys from
// distinct CAM addresses and ports, and per content size every flow's sealed LogResponse in a
// ready Ethernet/IPv4/UDP frame. Built once per process, after InitEal, on the main lcore.

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/dpdk_transport.h"
#include "dataplane/frame.h"
#include "protocol/flow_keys.h"

namespace rcas::dataplane::bench {

inline constexpr size_t kFlows = 4096;  // a power of two: bursts wrap around it evenly
inline constexpr size_t kMaxBurst = 64;

// Messages: one content size's traffic. Flow s sends frame(s); control answers every flow with
// `reply` (header + DER content of the same size, sealed in place under the flow's keys).
struct Messages {
  size_t content = 0;
  size_t sealed = 0;            // one message, CAM -> CASS and back
  size_t headers = 0;           // Ethernet + IPv4 + UDP
  size_t frame_len = 0;         // headers + sealed
  std::vector<uint8_t> frames;  // kFlows x frame_len
  Bytes reply;                  // kHeaderLen + content octets

  const uint8_t* frame(size_t s) const { return frames.data() + s * frame_len; }
};

struct BenchPort {
  std::unique_ptr<DpdkTransport> transport;
  rte_ring* rx = nullptr;       // the port's RX queue: the benchmark enqueues frames here
  rte_ring* tx = nullptr;       // the port's TX queue: the worker's frames come out here
  rte_mempool* pool = nullptr;  // the received frames' mbufs, as a NIC's RX pool
  MacAddr mac{};                // the gateway's
  std::vector<std::unique_ptr<protocol::FlowKeys>> keys;  // flow s: session s + 1

  ~BenchPort();
};

// Port is the process's BenchPort, built on first use; aborts when the setup fails.
BenchPort& Port();
// MessagesFor is `content`'s traffic, built on first use.
const Messages& MessagesFor(size_t content);
// ReleasePort frees the port and its pools (before CleanupEal).
void ReleasePort();
// CamPort is flow s's UDP source port.
inline uint16_t CamPort(size_t s) { return static_cast<uint16_t>(20000 + s); }

}  // namespace rcas::dataplane::bench
