#pragma once
// RsaBatcher: the RSA workers' queue (ARCHITECTURE: RSA workers). Work-conserving, no timer: a
// free worker takes everything queued, up to 8 jobs, and runs it at once, so a lone request is
// never held back waiting for company, and under load the batches fill by themselves.
// crypto/rsa_batch.h decides per batch between the 8-lane kernel and OpenSSL.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/rsa_batch.h"
#include "crypto/secret.h"

namespace rcas::crypto {

class RsaBatcher {
  struct Job;

 public:
  // Completions run on a worker thread; they should only post the answer (e.g. onto a ring).
  using SignDone = std::function<void(Bytes signature)>;
  using DecryptDone = std::function<void(std::optional<SecretBytes> plain)>;

  struct Stats {
    uint64_t batches = 0;       // times a worker took work from the queue
    uint64_t jobs = 0;          // jobs completed
    uint64_t largest_take = 0;  // most jobs taken at once
  };

  // RsaBatcher starts `workers` threads (one per core the RSA work may use). `capacity` bounds
  // the queue; past it Try* refuse and the caller answers busy (Status 0x83).
  RsaBatcher(int workers, size_t capacity, bool start = true);
  // The destructor completes every queued job, then joins the workers.
  ~RsaBatcher();
  RsaBatcher(const RsaBatcher&) = delete;
  RsaBatcher& operator=(const RsaBatcher&) = delete;

  // Start launches the workers of a batcher constructed with start = false (tests use this to
  // queue a known batch first). Call at most once.
  void Start();

  // TrySign queues an RSASSA-PKCS1-v1_5/SHA-256 signature of msg; false when full.
  // Thread-safe.
  bool TrySign(std::shared_ptr<const RsaBatchKey> key, Bytes msg, SignDone done);
  // TryDecrypt queues an RSAES-OAEP/SHA-256 decryption; false when full. Thread-safe.
  bool TryDecrypt(std::shared_ptr<const RsaBatchKey> key, Bytes cipher, DecryptDone done);
  // TryRun queues other public-key work for the same threads (the CASS's certificate and
  // signature checks); it runs after the batch it was taken with. False when full. Thread-safe.
  bool TryRun(std::function<void()> work);

  // Submission gathers jobs on one thread (not thread-safe) for TrySubmit, so that they reach
  // the queue together: a caller with several jobs per event-loop turn (the CASS engine) gets
  // them into one take instead of waking a worker for each (docs/cass-engine.md).
  class Submission {
   public:
    Submission();
    ~Submission();
    Submission(Submission&&) noexcept;
    Submission& operator=(Submission&&) noexcept;
    void Sign(std::shared_ptr<const RsaBatchKey> key, Bytes msg, SignDone done);
    void Run(std::function<void()> work);
    size_t size() const { return jobs_.size(); }
    bool empty() const { return jobs_.empty(); }

   private:
    friend class RsaBatcher;
    std::vector<Job> jobs_;
  };
  // TrySubmit queues the submission's jobs in order under one lock and wakes one worker per
  // kernel batch; it empties `s`. Past the capacity it queues a prefix: the return value is how
  // many jobs were queued, and the caller refuses the others. Thread-safe.
  size_t TrySubmit(Submission& s);

  Stats stats() const;

 private:
  struct Job {
    std::shared_ptr<const RsaBatchKey> key;
    Bytes input;
    SignDone sign_done;         // set for a signature
    DecryptDone decrypt_done;   // set for a decryption
    std::function<void()> run;  // set for TryRun
  };

  bool Push(Job job);
  void Work();

  const size_t capacity_;
  const int workers_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::vector<std::thread> threads_;
};

}  // namespace rcas::crypto
