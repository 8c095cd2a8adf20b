#include "control/ac_service.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>

#include "control/ac_decide.h"

namespace rcas::control {

CompletionQueue::CompletionQueue() : event_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

CompletionQueue::~CompletionQueue() {
  if (event_fd_ >= 0) {
    close(event_fd_);
  }
}

void CompletionQueue::Push(std::vector<AcResult>& results) {
  if (results.empty()) {
    return;
  }
  // Everything, the wake-ups included, under the lock: once the consumer has taken the last
  // result it may destroy the queue, so Push must not touch it after unlocking.
  std::lock_guard lock(mu_);
  for (AcResult& r : results) {
    results_.push_back(std::move(r));
  }
  results.clear();
  cv_.notify_all();
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(event_fd_, &one, sizeof one);  // a full counter still wakes
}

size_t CompletionQueue::Poll(std::vector<AcResult>& out, size_t max) {
  std::lock_guard lock(mu_);
  size_t n = 0;
  while (n < max && !results_.empty()) {
    out.push_back(std::move(results_.front()));
    results_.pop_front();
    ++n;
  }
  if (results_.empty()) {
    uint64_t drained;
    [[maybe_unused]] ssize_t r = read(event_fd_, &drained, sizeof drained);
  }
  return n;
}

bool CompletionQueue::Wait(int timeout_ms) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [&] { return !results_.empty(); });
}

struct AcService::Worker {
  struct Pending {
    AcRequest request;
    CompletionQueue* cq;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Pending> queue;
  bool stopping = false;
  std::thread thread;
  AcCounters counters;  // under mu
};

namespace {

uint64_t SystemNowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

size_t WorkerOf(const crypto::CamId& cam, size_t workers) {
  uint64_t h = LoadBe64(cam.data()) * 0x9E3779B97F4A7C15ull;  // CAM_IDs are often sequential
  return static_cast<size_t>((h >> 32) % workers);
}

}  // namespace

AcService::AcService(storage::AcStore& store, std::shared_ptr<const crypto::RsaPrivateKey> root_key,
                     AcOptions options)
    : store_(store), options_(std::move(options)) {
  if (root_key) {
    root_key_ = std::make_unique<crypto::RsaBatchKey>(*root_key);
  }
  if (!options_.now_ms) {
    options_.now_ms = SystemNowMs;
  }
  options_.workers = std::max<size_t>(options_.workers, 1);
  options_.max_batch = std::max<size_t>(options_.max_batch, 1);
  for (size_t i = 0; i < options_.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>());
  }
  for (auto& w : workers_) {
    w->thread = std::thread([this, &w = *w] { Run(w); });
  }
}

AcService::~AcService() {
  for (auto& w : workers_) {
    std::lock_guard lock(w->mu);
    w->stopping = true;
    w->cv.notify_one();
  }
  for (auto& w : workers_) {
    w->thread.join();
  }
}

bool AcService::Submit(AcRequest&& request, CompletionQueue& cq) {
  Worker& w = *workers_[WorkerOf(request.cam_id, workers_.size())];
  {
    std::lock_guard lock(w.mu);
    if (w.stopping || w.queue.size() >= options_.queue_capacity) {
      return false;
    }
    w.queue.push_back({std::move(request), &cq});
  }
  w.cv.notify_one();
  return true;
}

AcResult AcService::Call(AcRequest request) {
  CompletionQueue cq;
  AcResult busy{request.tag, request.kind, request.cam_id};
  if (!Submit(std::move(request), cq)) {
    busy.status = protocol::StatusCode::kBusy;
    busy.error = "AC queue full";
    return busy;
  }
  std::vector<AcResult> out;
  while (cq.Poll(out, 1) == 0) {
    cq.Wait(1000);
  }
  return std::move(out.front());
}

void AcService::Run(Worker& w) {
  std::vector<Worker::Pending> batch;
  std::vector<AcResult> results;
  std::vector<AcResult*> result_ptrs;
  for (;;) {
    {
      std::unique_lock lock(w.mu);
      w.cv.wait(lock, [&] { return w.stopping || !w.queue.empty(); });
      if (w.queue.empty()) {
        return;  // stopping, and everything queued was answered
      }
      while (!w.queue.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(w.queue.front()));
        w.queue.pop_front();
      }
    }
    AcBatch decide(store_, root_key_.get(), options_.policy, options_.now_ms());
    results.resize(batch.size());
    result_ptrs.clear();
    for (size_t i = 0; i < batch.size(); ++i) {
      results[i] = AcResult{};
      decide.Decide(batch[i].request, results[i]);
      result_ptrs.push_back(&results[i]);
    }
    bool committed = decide.Finish(result_ptrs);
    {
      std::lock_guard lock(w.mu);
      AcCounters& c = w.counters;
      c.requests += batch.size();
      c.commits += committed ? 1 : 0;
      c.pairings_made += committed ? decide.pairings_made() : 0;
      for (const AcResult& r : results) {
        c.accepted += r.ok ? 1 : 0;
        c.c1_pending_retries += r.ok && r.pending_retry ? 1 : 0;
        c.refused[static_cast<size_t>(r.refusal)] += r.ok ? 0 : 1;
        c.errors += !r.ok && r.status == protocol::StatusCode::kBusy ? 1 : 0;
      }
    }
    // Results go out only now, after the group commit: an answer is a durable decision.
    std::vector<AcResult> per_cq;
    for (size_t i = 0; i < batch.size(); ++i) {
      per_cq.push_back(std::move(results[i]));
      if (i + 1 == batch.size() || batch[i + 1].cq != batch[i].cq) {
        batch[i].cq->Push(per_cq);
      }
    }
    batch.clear();
  }
}

AcCounters AcService::counters() const {
  AcCounters sum;
  for (const auto& w : workers_) {
    std::lock_guard lock(w->mu);
    sum.requests += w->counters.requests;
    sum.accepted += w->counters.accepted;
    sum.c1_pending_retries += w->counters.c1_pending_retries;
    for (size_t i = 0; i < kRefusalCount; ++i) {
      sum.refused[i] += w->counters.refused[i];
    }
    sum.errors += w->counters.errors;
    sum.commits += w->counters.commits;
    sum.pairings_made += w->counters.pairings_made;
  }
  return sum;
}

}  // namespace rcas::control
