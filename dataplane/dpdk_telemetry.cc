// DPDK telemetry commands for the gateway's counters, beside the standard /ethdev/... ones:
// /rcas/stats (worker events), /rcas/drops (every L2-L4 and RCAS verdict), /rcas/port, and
// /rcas/worker,N (worker N's events and keyed-stage verdicts: how RSS spreads the CAMs).
// Callbacks run on DPDK's telemetry thread; counters are single-writer 64-bit words, read
// without locks (a value may be a few packets old).

#include <rte_telemetry.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "dataplane/dpdk_internal.h"

namespace rcas::dataplane {
namespace {

std::atomic<const DpdkTransport*> g_transport{nullptr};

// AddAll adds one entry per counter, named `prefix` + the counter's name; telemetry names allow
// no '-', so it becomes '_'.
template <typename Array, typename NameFn>
void AddAll(rte_tel_data* d, const Array& values, NameFn name, const char* prefix = "") {
  for (size_t i = 0; i < values.size(); ++i) {
    char key[64];
    std::snprintf(key, sizeof key, "%s%s", prefix, name(i));
    for (char* c = key; *c != '\0'; ++c) {
      *c = *c == '-' ? '_' : *c;
    }
    rte_tel_data_add_dict_u64(d, key, values[i]);
  }
}

int StatsCommand(const char*, const char*, rte_tel_data* d) {
  const DpdkTransport* t = g_transport.load(std::memory_order_acquire);
  if (t == nullptr) {
    return -1;
  }
  const DpdkStats s = t->stats();
  rte_tel_data_start_dict(d);
  AddAll(d, s.events, [](size_t i) { return DpdkCounterName(static_cast<DpdkCounter>(i)); });
  return 0;
}

int DropsCommand(const char*, const char*, rte_tel_data* d) {
  const DpdkTransport* t = g_transport.load(std::memory_order_acquire);
  if (t == nullptr) {
    return -1;
  }
  const DpdkStats s = t->stats();
  rte_tel_data_start_dict(d);
  AddAll(d, s.frames, [](size_t i) { return FrameVerdictName(static_cast<FrameVerdict>(i)); });
  AddAll(d, s.keyed, [](size_t i) { return KeyedVerdictName(static_cast<KeyedVerdict>(i)); });
  AddAll(d, s.reassembly,
         [](size_t i) { return ReassemblyVerdictName(static_cast<ReassemblyVerdict>(i)); });
  return 0;
}

int PortCommand(const char*, const char*, rte_tel_data* d) {
  const DpdkTransport* t = g_transport.load(std::memory_order_acquire);
  if (t == nullptr) {
    return -1;
  }
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_int(d, "port_id", t->port_id());
  rte_tel_data_add_dict_int(d, "workers", static_cast<int>(t->workers()));
  rte_tel_data_add_dict_string(d, "mac", t->mac().c_str());
  rte_tel_data_add_dict_int(d, "capturing", t->capturing() ? 1 : 0);
  return 0;
}

// WorkerCommand: /rcas/worker,N; an error (null reply) when N is not a worker's index.
int WorkerCommand(const char*, const char* params, rte_tel_data* d) {
  const DpdkTransport* t = g_transport.load(std::memory_order_acquire);
  if (t == nullptr || params == nullptr || *params < '0' || *params > '9') {
    return -EINVAL;
  }
  char* end = nullptr;
  const unsigned long worker = std::strtoul(params, &end, 10);
  if (*end != '\0' || worker >= t->workers()) {
    return -EINVAL;
  }
  const DpdkStats s = t->worker_stats(static_cast<unsigned>(worker));
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_int(d, "worker", static_cast<int>(worker));
  AddAll(d, s.events, [](size_t i) { return DpdkCounterName(static_cast<DpdkCounter>(i)); });
  AddAll(
      d, s.keyed, [](size_t i) { return KeyedVerdictName(static_cast<KeyedVerdict>(i)); },
      "keyed_");
  return 0;
}

}  // namespace

void RegisterTelemetry(const DpdkTransport* t) {
  static std::once_flag once;
  std::call_once(once, [] {
    rte_telemetry_register_cmd("/rcas/stats", StatsCommand, "RCAS dataplane events. No params");
    rte_telemetry_register_cmd("/rcas/drops", DropsCommand,
                               "RCAS frame and keyed-stage verdicts. No params");
    rte_telemetry_register_cmd("/rcas/port", PortCommand, "RCAS port: id, MAC, workers");
    rte_telemetry_register_cmd("/rcas/worker", WorkerCommand,
                               "One RCAS worker's events and keyed verdicts. Parameters: int "
                               "worker index");
  });
  g_transport.store(t, std::memory_order_release);
}

}  // namespace rcas::dataplane
