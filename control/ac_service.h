#pragma once
// AcService: the AC behind the CASS. Requests are hashed by CAM_ID to worker threads, so every
// read-modify-write of one CAM is serialised (a clone at two gateways cannot race); each worker
// takes what is queued (up to max_batch), decides, commits the whole batch with one durable
// write (group commit) and only then posts the results. The CASS control thread never blocks:
// Submit fails when the queue is full (answer 0x83) and results arrive on a CompletionQueue whose
// eventfd can sit in the control thread's poll set.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "control/ac_types.h"
#include "crypto/rsa.h"
#include "crypto/rsa_batch.h"
#include "storage/ac_store.h"

namespace rcas::control {

// CompletionQueue: results from the AC workers to one consumer. Push never blocks for long (one
// short lock); the eventfd is readable while results are pending.
class CompletionQueue {
 public:
  CompletionQueue();
  ~CompletionQueue();
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  void Push(std::vector<AcResult>& results);  // moves them out
  // Poll moves up to `max` pending results to `out`; returns how many.
  size_t Poll(std::vector<AcResult>& out, size_t max = SIZE_MAX);
  // Wait blocks until a result is pending or timeout; for tools and tests, not the CASS.
  bool Wait(int timeout_ms);
  int event_fd() const { return event_fd_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<AcResult> results_;
  int event_fd_ = -1;
};

struct AcOptions {
  AnnexCPolicy policy;
  size_t workers = 1;
  size_t queue_capacity = 1 << 16;   // per worker
  size_t max_batch = 256;            // decisions per group commit
  std::function<uint64_t()> now_ms;  // default: the system clock
};

struct AcCounters {
  uint64_t requests = 0;
  uint64_t accepted = 0;
  uint64_t c1_pending_retries = 0;  // of those, retries of a pending C1 commit (no write)
  uint64_t refused[kRefusalCount] = {};
  uint64_t errors = 0;   // storage failures (answered 0x83)
  uint64_t commits = 0;  // group commits
  uint64_t pairings_made = 0;
};

class AcService {
 public:
  // `root_key` signs sIGN-kpk once per pairing (PROFILE §22 Q7).
  AcService(storage::AcStore& store, std::shared_ptr<const crypto::RsaPrivateKey> root_key,
            AcOptions options);
  ~AcService();  // finishes what is queued, then joins the workers
  AcService(const AcService&) = delete;
  AcService& operator=(const AcService&) = delete;

  // Submit queues `request`; its result goes to `cq`. False (request untouched) when the
  // worker's queue is full or the service is stopping.
  bool Submit(AcRequest&& request, CompletionQueue& cq);

  // Call submits and waits: for tools and tests.
  AcResult Call(AcRequest request);

  // counters sums the workers' counters (each updated once per batch).
  AcCounters counters() const;
  const AcOptions& options() const { return options_; }

 private:
  struct Worker;
  void Run(Worker& w);

  storage::AcStore& store_;
  std::unique_ptr<const crypto::RsaBatchKey> root_key_;  // null: no new pairings
  AcOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace rcas::control
