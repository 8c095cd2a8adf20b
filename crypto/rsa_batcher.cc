#include "crypto/rsa_batcher.h"

#include <algorithm>
#include <array>

namespace rcas::crypto {

RsaBatcher::RsaBatcher(int workers, size_t capacity, bool start)
    : capacity_(capacity), workers_(std::max(workers, 1)) {
  if (start) {
    Start();
  }
}

RsaBatcher::~RsaBatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  if (threads_.empty()) {
    Start();  // never started: still honour "every queued job completes"
  }
  for (std::thread& t : threads_) {
    t.join();
  }
}

void RsaBatcher::Start() {
  for (int i = 0; i < workers_; ++i) {
    threads_.emplace_back([this] { Work(); });
  }
}

bool RsaBatcher::TrySign(std::shared_ptr<const RsaBatchKey> key, Bytes msg, SignDone done) {
  return Push(Job{std::move(key), std::move(msg), std::move(done), nullptr, nullptr});
}

bool RsaBatcher::TryDecrypt(std::shared_ptr<const RsaBatchKey> key, Bytes cipher,
                            DecryptDone done) {
  return Push(Job{std::move(key), std::move(cipher), nullptr, std::move(done), nullptr});
}

bool RsaBatcher::TryRun(std::function<void()> work) {
  return Push(Job{nullptr, {}, nullptr, nullptr, std::move(work)});
}

bool RsaBatcher::Push(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= capacity_ || stopping_) {
      return false;
    }
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

RsaBatcher::Submission::Submission() = default;
RsaBatcher::Submission::~Submission() = default;
RsaBatcher::Submission::Submission(Submission&&) noexcept = default;
RsaBatcher::Submission& RsaBatcher::Submission::operator=(Submission&&) noexcept = default;

void RsaBatcher::Submission::Sign(std::shared_ptr<const RsaBatchKey> key, Bytes msg,
                                  SignDone done) {
  jobs_.push_back(Job{std::move(key), std::move(msg), std::move(done), nullptr, nullptr});
}

void RsaBatcher::Submission::Run(std::function<void()> work) {
  jobs_.push_back(Job{nullptr, {}, nullptr, nullptr, std::move(work)});
}

size_t RsaBatcher::TrySubmit(Submission& s) {
  size_t queued = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (!stopping_ && queued < s.jobs_.size() && queue_.size() < capacity_) {
      queue_.push_back(std::move(s.jobs_[queued++]));
    }
  }
  s.jobs_.clear();
  // A woken worker takes up to kIfmaLanes jobs; more wakes would only find the queue empty.
  constexpr size_t kLanes = kIfmaLanes;
  const size_t wakes = std::min<size_t>((queued + kLanes - 1) / kLanes, workers_);
  for (size_t i = 0; i < wakes; ++i) {
    ready_.notify_one();
  }
  return queued;
}

RsaBatcher::Stats RsaBatcher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void RsaBatcher::Work() {
  for (;;) {
    std::array<Job, kIfmaLanes> taken;
    size_t count = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping and drained
      }
      // Work-conserving: everything queued, up to one kernel batch, no waiting for more.
      while (count < kIfmaLanes && !queue_.empty()) {
        taken[count++] = std::move(queue_.front());
        queue_.pop_front();
      }
      ++stats_.batches;
      stats_.largest_take = std::max<uint64_t>(stats_.largest_take, count);
    }
    std::array<RsaSignJob, kIfmaLanes> signs;
    std::array<RsaDecryptJob, kIfmaLanes> decrypts;
    std::array<Bytes, kIfmaLanes> signatures;
    std::array<std::optional<SecretBytes>, kIfmaLanes> plains;
    size_t n_sign = 0, n_decrypt = 0;
    for (size_t i = 0; i < count; ++i) {
      if (taken[i].run) {
        continue;
      }
      if (taken[i].sign_done) {
        signs[n_sign++] = {taken[i].key.get(), taken[i].input, &signatures[i]};
      } else {
        decrypts[n_decrypt++] = {taken[i].key.get(), taken[i].input, &plains[i]};
      }
    }
    SignPkcs1Sha256Batch({signs.data(), n_sign});
    DecryptOaepSha256Batch({decrypts.data(), n_decrypt});
    for (size_t i = 0; i < count; ++i) {
      if (taken[i].run) {
        taken[i].run();
      } else if (taken[i].sign_done) {
        taken[i].sign_done(std::move(signatures[i]));
      } else {
        taken[i].decrypt_done(std::move(plains[i]));
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    stats_.jobs += count;
  }
}

}  // namespace rcas::crypto
