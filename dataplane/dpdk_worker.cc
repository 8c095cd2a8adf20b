// A worker lcore's loop, run to completion: flow commands, the control thread's answers, one RX
// burst. No allocation, lock or exception per packet; partial TX bursts wait at most
// tx_drain_us.

#include <rte_cycles.h>
#include <rte_lcore.h>

#include <algorithm>
#include <string>

#include "dataplane/dpdk_internal.h"

namespace rcas::dataplane {
namespace {

constexpr unsigned kIdleTurnsBeforeNap = 256;

rte_ring* MakeRing(const char* what, unsigned worker) {
  const std::string name = std::string("rcas_") + what + std::to_string(worker);
  return rte_ring_create(name.c_str(), kRingSize, static_cast<int>(rte_socket_id()),
                         RING_F_SP_ENQ | RING_F_SC_DEQ);
}

}  // namespace

Worker::Worker(DpdkTransport::Impl& owner, unsigned i, size_t flow_capacity)
    : impl(owner),
      index(i),
      queue(static_cast<uint16_t>(i)),
      to_control(MakeRing("ctl", i)),
      tx_ring(MakeRing("tx", i)),
      commands(MakeRing("cmd", i)),
      capture(MakeRing("cap", i)),
      flows(flow_capacity),
      stage(flows),
      // Twice the flows, like the flow table's slots: a CAM evicted between request and answer
      // loses the answer, and a full table makes every new source probe and evict.
      neighbors(2 * flow_capacity),
      reassembler(ReassemblyConfig{.slots = 16, .max_datagram = owner.options.max_datagram}) {
  tx_drain_cycles = rte_get_tsc_hz() / 1'000'000 * owner.options.tx_drain_us;
  tsc_per_ms = std::max<uint64_t>(1, rte_get_tsc_hz() / 1000);
}

Worker::~Worker() {
  void* cmd = nullptr;
  while (commands != nullptr && rte_ring_dequeue(commands, &cmd) == 0) {
    delete static_cast<FlowCommand*>(cmd);  // queued before Start, or after Stop
  }
  rte_ring_free(to_control);
  rte_ring_free(tx_ring);
  rte_ring_free(commands);
  rte_ring_free(capture);
}

void Worker::Run() {
  while (!impl.stop.load(std::memory_order_acquire)) {
    if (Turn() || tx_count > 0) {  // a partial TX burst waits for its deadline, not a nap
      idle_turns = 0;
    } else if (impl.options.idle_sleep_us != 0 && ++idle_turns > kIdleTurnsBeforeNap) {
      rte_delay_us_sleep(impl.options.idle_sleep_us);
    }
  }
}

bool Worker::Turn() {
  ApplyCommands();
  const unsigned taken = TakeFromControl();
  rte_mbuf* pkts[kBurst];
  const uint16_t n = rte_eth_rx_burst(impl.port, queue, pkts, kBurst);
  if (n > 0) {
    Add(DpdkCounter::kRxBursts);
    events[static_cast<size_t>(DpdkCounter::kRxPackets)] += n;
    Capture(pkts, n, true);
    Receive(pkts, n);
  }
  const bool worked = n > 0 || taken > 0;
  if (tx_count > 0) {
    const uint64_t now = rte_get_tsc_cycles();
    if (tx_deadline == 0) {
      tx_deadline = now + tx_drain_cycles;
    }
    if (now >= tx_deadline) {
      FlushTx();
    }
  }
  return worked;
}

// ApplyCommands installs and removes flows; it runs again after TX is taken from control, so a
// key command queued before an answer is in force before that answer leaves.
void Worker::ApplyCommands() {
  void* objs[kBurst];
  unsigned n = 0;
  while ((n = rte_ring_sc_dequeue_burst(commands, objs, kBurst, nullptr)) > 0) {
    for (unsigned i = 0; i < n; ++i) {
      auto* cmd = static_cast<FlowCommand*>(objs[i]);
      if (!cmd->install) {
        flows.Remove(cmd->key, cmd->session);
        Add(DpdkCounter::kFlowsRemoved);
      } else if (flows.Install(cmd->key, cmd->session, cmd->keys)) {
        Add(DpdkCounter::kFlowsInstalled);
      } else {
        Add(DpdkCounter::kFlowTableFull);
      }
      delete cmd;  // keys wiped by FlowKeys' destructor
    }
  }
}

unsigned Worker::TakeFromControl() {
  rte_mbuf* pkts[kBurst];
  const unsigned n =
      rte_ring_sc_dequeue_burst(tx_ring, reinterpret_cast<void**>(pkts), kBurst, nullptr);
  if (n == 0) {
    return 0;
  }
  ApplyCommands();
  for (unsigned i = 0; i < n; ++i) {
    if (BuildAnswer(pkts[i])) {
      Transmit(pkts[i]);
    }
  }
  return n;
}

void Worker::Transmit(rte_mbuf* m) {
  if (impl.capture_on.load(std::memory_order_relaxed)) {
    Capture(&m, 1, false);
  }
  tx_pending[tx_count++] = m;
  if (tx_count >= kBurst) {
    FlushTx();
  }
}

void Worker::FlushTx() {
  if (tx_count == 0) {
    return;
  }
  uint16_t sent = 0;
  for (int attempt = 0; attempt < 4 && sent < tx_count; ++attempt) {
    sent += rte_eth_tx_burst(impl.port, queue, tx_pending + sent, tx_count - sent);
  }
  if (sent < tx_count) {
    events[static_cast<size_t>(DpdkCounter::kTxQueueFull)] += tx_count - sent;
    rte_pktmbuf_free_bulk(tx_pending + sent, tx_count - sent);
  }
  events[static_cast<size_t>(DpdkCounter::kTxPackets)] += sent;
  tx_count = 0;
  tx_deadline = 0;
}

}  // namespace rcas::dataplane
