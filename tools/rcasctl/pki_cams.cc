#include "tools/rcasctl/pki_cams.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "crypto/aes.h"
#include "crypto/random.h"
#include "crypto/rsa.h"
#include "crypto/x509_issue.h"
#include "tools/provisioning.h"
#include "tools/rcasctl/command.h"
#include "tools/rcasctl/pki_store.h"

namespace rcas::tools {
namespace {

using crypto::CamId;
using crypto::RsaPrivateKey;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kMaxBatch = 256;
constexpr uint64_t kProgressFrom = 10000;  // smaller runs finish before a progress line helps

CamId CamIdAt(const CamId& first, uint64_t index) {
  CamId id;
  StoreBe64(id.data(), LoadBe64(first.data()) + index);
  return id;
}

// KeyGroups makes group g's key (CAMs g*K .. g*K+K-1) once, on first use by any worker, and
// writes its PEM file; the writer evicts groups it has passed, so memory stays bounded.
class KeyGroups {
 public:
  KeyGroups(std::filesystem::path dir, std::string rel_dir, bool force)
      : dir_(std::move(dir)), rel_dir_(std::move(rel_dir)), force_(force) {}

  std::string FileName(uint64_t group) const {
    char name[32];
    std::snprintf(name, sizeof(name), "key-%06llu.pem", static_cast<unsigned long long>(group));
    return rel_dir_ + "/" + name;
  }

  Result<RsaPrivateKey> Get(uint64_t group) {
    std::shared_ptr<Slot> slot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& s = slots_[group];
      if (!s) {
        s = std::make_shared<Slot>();
      }
      slot = s;
    }
    std::call_once(slot->once, [&] {
      auto key = RsaPrivateKey::Generate();
      if (!key) {
        slot->error = key.error();
        return;
      }
      Status written = WriteNewFile(dir_ / FileName(group), key->ToPem(), true, force_);
      if (!written) {
        slot->error = written.error();
        return;
      }
      slot->key.emplace(std::move(*key));
      generated_.fetch_add(1);
    });
    if (!slot->key) {
      return Error{slot->error};
    }
    return *slot->key;
  }

  void EvictBelow(uint64_t group) {
    std::lock_guard<std::mutex> lock(mu_);
    slots_.erase(slots_.begin(), slots_.lower_bound(group));
  }

  uint64_t generated() const { return generated_.load(); }

 private:
  struct Slot {
    std::once_flag once;
    std::optional<RsaPrivateKey> key;
    std::string error;
  };
  std::filesystem::path dir_;
  std::string rel_dir_;
  bool force_;
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<Slot>> slots_;
  std::atomic<uint64_t> generated_{0};
};

// Progress draws one status line on stderr for large runs: redrawn in place on a terminal,
// every 10 % otherwise (logs).
class Progress {
 public:
  explicit Progress(uint64_t total)
      : total_(total), enabled_(total >= kProgressFrom), tty_(::isatty(STDERR_FILENO) == 1) {}

  void Update(uint64_t done) {
    if (!enabled_) {
      return;
    }
    auto now = Clock::now();
    const uint64_t decile = done * 10 / total_;
    if (tty_ ? (now - last_ < std::chrono::milliseconds(200) && done != total_)
             : decile == last_decile_) {
      return;
    }
    last_ = now;
    last_decile_ = decile;
    double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "%srcasctl: %llu/%llu CAMs (%.0f%%, %.0f/s)%s", tty_ ? "\r" : "",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                 100.0 * static_cast<double>(done) / static_cast<double>(total_),
                 secs > 0 ? static_cast<double>(done) / secs : 0.0, tty_ ? "" : "\n");
    if (tty_ && done == total_) {
      std::fputc('\n', stderr);
    }
  }

 private:
  uint64_t total_;
  bool enabled_;
  bool tty_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_{};
  uint64_t last_decile_ = ~uint64_t{0};
};

using Batch = std::vector<CamRecord>;

// Generator makes the records of one batch; thread-safe.
class Generator {
 public:
  Generator(const CamsOptions& o, const crypto::CertIssuer& issuer, KeyGroups& keys,
            const crypto::SecretArray<16>& op, crypto::Validity validity)
      : o_(o), issuer_(issuer), keys_(keys), op_(op), validity_(validity) {}

  Result<Batch> Make(uint64_t first, uint64_t end) const {
    Batch batch(end - first);
    for (uint64_t i = first; i < end; ++i) {
      CamRecord& r = batch[i - first];
      r.cam_id = CamIdAt(o_.first_id, i);
      r.dsc_id = DscIdFor(o_.dsc_prefix, r.cam_id);
      for (KiOpc& pair : r.keys) {
        crypto::RandomBytes(pair.ki.mutable_view());
        // OPc = AES_Ki(OP) xor OP (TS 35.206 via PROFILE §2.3).
        crypto::AesBlock enc = crypto::AesEncryptBlock(pair.ki.view(), op_.view());
        for (size_t k = 0; k < 16; ++k) {
          pair.opc[k] = enc[k] ^ op_[k];
        }
        OPENSSL_cleanse(enc.data(), enc.size());
      }
      const uint64_t group = i / o_.share_key;
      auto key = keys_.Get(group);
      if (!key) {
        return Error{key.error()};
      }
      auto cert =
          issuer_.Issue(key->Public(), crypto::CamCertSpec(r.cam_id, o_.organization, validity_));
      if (!cert) {
        return Error{cert.error()};
      }
      r.certificate_der = std::move(*cert);
      r.key_file = keys_.FileName(group);
    }
    return batch;
  }

 private:
  const CamsOptions& o_;
  const crypto::CertIssuer& issuer_;
  KeyGroups& keys_;
  const crypto::SecretArray<16>& op_;
  crypto::Validity validity_;
};

// OrderedPool runs make(b) for b = 0..batches-1 on `jobs` threads, at most `window` batches
// ahead of the consumer, and hands the results to consume(b, batch) in order on this thread.
template <typename Make, typename Consume>
Status RunOrdered(uint64_t batches, unsigned jobs, Make make, Consume consume) {
  const uint64_t window = 2 * uint64_t{jobs};
  std::mutex mu;
  std::condition_variable cv;
  std::map<uint64_t, Result<Batch>> done;
  uint64_t next_claim = 0;
  uint64_t next_consume = 0;
  bool stop = false;
  auto worker = [&] {
    for (;;) {
      uint64_t b;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] {
          return stop || next_claim >= batches || next_claim < next_consume + window;
        });
        if (stop || next_claim >= batches) {
          return;
        }
        b = next_claim++;
      }
      Result<Batch> r = make(b);
      std::lock_guard<std::mutex> lock(mu);
      done.emplace(b, std::move(r));
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < jobs; ++t) {
    threads.emplace_back(worker);
  }
  Status status = OkStatus();
  for (uint64_t b = 0; b < batches && status.ok(); ++b) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done.count(b) != 0; });
    Result<Batch> r = std::move(done.find(b)->second);
    done.erase(b);
    next_consume = b + 1;
    cv.notify_all();
    lock.unlock();
    status = r.ok() ? consume(b, *r) : Status(Error{r.error()});
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : threads) {
    t.join();
  }
  return status;
}

}  // namespace

std::array<uint8_t, crypto::kDscIdLen> DscIdFor(ByteView prefix, const CamId& cam_id) {
  std::array<uint8_t, crypto::kDscIdLen> dsc{};
  std::copy_n(prefix.begin(), std::min(prefix.size(), kMaxDscPrefix), dsc.begin());
  std::copy(cam_id.begin(), cam_id.end(), dsc.end() - crypto::kCamIdLen);
  return dsc;
}

int RunPkiCams(const CamsOptions& o) {
  if (o.count == 0 || o.share_key == 0 || o.jobs == 0) {
    return Fail("--count, --share-key and --jobs must be at least 1");
  }
  if (o.count - 1 > ~uint64_t{0} - LoadBe64(o.first_id.data())) {
    return Fail("--first-id + --count runs past CAM_ID FFFFFFFFFFFFFFFF");
  }
  if (o.name.empty() || o.name.find('/') != std::string::npos || o.name[0] == '.') {
    return Fail("--name must be a plain file name");
  }
  if (o.dsc_prefix.size() > kMaxDscPrefix) {
    return Fail("--dsc-prefix is longer than 32 octets");
  }
  auto issuer = LoadIssuer(o.pki_dir);
  if (!issuer) {
    return Fail(issuer.error());
  }
  const std::filesystem::path ac_path = o.pki_dir / (o.name + ".ac.rcpv");
  const std::filesystem::path cam_path = o.pki_dir / (o.name + ".cam.rcpv");
  const std::string key_dir = o.name + "-keys";
  for (const auto& p : {ac_path, cam_path, o.pki_dir / key_dir}) {
    if (Status s = CheckWritable(p, o.force); !s) {
      return Fail(s.error());
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(o.pki_dir / key_dir, ec);
  if (ec) {
    return Fail((o.pki_dir / key_dir).string() + ": " + ec.message());
  }
  auto ac_file = ProvisioningWriter::Create(ac_path, ProvisioningKind::kAc);
  auto cam_file = ProvisioningWriter::Create(cam_path, ProvisioningKind::kCam);
  if (!ac_file || !cam_file) {
    return Fail(ac_file ? cam_file.error() : ac_file.error());
  }

  crypto::SecretArray<16> op;
  if (o.op) {
    op = *o.op;
  } else {
    crypto::RandomBytes(op.mutable_view());
  }
  KeyGroups keys(o.pki_dir, key_dir, o.force);
  Generator gen(o, *issuer, keys, op, LeafValidity(issuer->root(), o.days));
  const uint64_t batch = std::clamp<uint64_t>(o.count / (4 * uint64_t{o.jobs}), 1, kMaxBatch);
  const uint64_t batches = (o.count + batch - 1) / batch;
  Progress progress(o.count);
  Status s = RunOrdered(
      batches, o.jobs,
      [&](uint64_t b) { return gen.Make(b * batch, std::min(o.count, (b + 1) * batch)); },
      [&](uint64_t b, const Batch& records) -> Status {
        for (const CamRecord& r : records) {
          if (Status w = ac_file->Append(r); !w) {
            return w;
          }
          if (Status w = cam_file->Append(r); !w) {
            return w;
          }
        }
        keys.EvictBelow(std::min(o.count, (b + 1) * batch) / o.share_key);
        progress.Update(ac_file->count());
        return OkStatus();
      });
  if (s) {
    s = ac_file->Finish();
  }
  if (s) {
    s = cam_file->Finish();
  }
  if (!s) {
    return Fail(s.error());
  }
  std::cout << "wrote " << o.count << " CAMs, CAM_ID " << crypto::UpperHex(o.first_id) << ".."
            << crypto::UpperHex(CamIdAt(o.first_id, o.count - 1)) << ", " << keys.generated()
            << " RSA key(s)\n"
            << "  AC provisioning file: " << ac_path.string() << "\n"
            << "  CAM-side file:        " << cam_path.string() << "\n"
            << "  private keys:         " << (o.pki_dir / key_dir).string() << "/\n";
  return kExitOk;
}

}  // namespace rcas::tools
