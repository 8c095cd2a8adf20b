#pragma once
// RegistrationDriver: the load generator of perf/tools/cassd_bench.cc. A pool of CAMs, each on
// its own UDP socket (the CASS binds a session to its UDP source, PROFILE §23 item 2), runs
// registrations against a CASS on 127.0.0.1, 64 at a time, each CAM in turn (a CAM registers
// again only after the whole pool has): normal mode (KeyRequest -> KeyResponse -> CAMReg ->
// CAMRegConfirm, §13.3-§13.6) or fast mode (KeyRegRequest -> KeyRegResponse, §13.11-§13.12).
// It does what the CAM must to go on, and no more: first requests are signed before the clock
// starts (PreSign), the OAEP decryptions of the answers are gathered and run 8 at a time on the
// IFMA kernel (crypto/rsa_batch.h), and the CASS's certificate and signature are not
// re-verified (a wrong KeyResponse still fails: its keys would not open CAMRegConfirm; in fast
// mode the OAEP plaintext must decode). One thread; benchmark-only.

#include <sys/epoll.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "crypto/random.h"
#include "crypto/rsa_batch.h"
#include "perf/tools/bench_cam_messages.h"

namespace rcas::perf {

class RegistrationDriver {
 public:
  struct Stats {
    uint64_t registered = 0;
    uint64_t refused = 0;   // a Status or an answer that failed the CAM's checks
    uint64_t timeouts = 0;  // no answer within 2 s: the CAM starts over
  };

  // `fast`: KeyRegRequest -> KeyRegResponse (§13.11, §13.12) instead of the normal mode.
  RegistrationDriver(std::vector<tools::CamIdentity> cams, uint16_t port, bool fast)
      : fast_(fast),
        ids_(std::move(cams)),
        cams_(ids_.size()),
        epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    rlimit files{};  // one socket per CAM
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    std::map<std::string, std::shared_ptr<const crypto::RsaBatchKey>> keys;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (size_t i = 0; i < ids_.size(); ++i) {
      auto& key = keys[ids_[i].record.key_file];  // shared keys: one kernel key each
      if (!key) {
        key = std::make_shared<const crypto::RsaBatchKey>(ids_[i].key);
      }
      cams_[i].key = key;
      cams_[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      Check(connect(cams_[i].fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0, "connect");
      epoll_event ev{EPOLLIN, {.u64 = i}};
      epoll_ctl(epoll_, EPOLL_CTL_ADD, cams_[i].fd, &ev);
      idle_.push_back(i);
    }
  }
  ~RegistrationDriver() {
    for (Cam& c : cams_) {
      close(c.fd);
    }
    close(epoll_);
  }
  RegistrationDriver(const RegistrationDriver&) = delete;
  RegistrationDriver& operator=(const RegistrationDriver&) = delete;

  // PreSign signs enough first requests (fresh sessionID and nonce each) for `count` more
  // registrations, spread over the CAMs.
  void PreSign(uint64_t count) {
    for (uint64_t n = 0; n < count; ++n) {
      const size_t i = n % cams_.size();
      Request r;
      crypto::RandomBytes(r.session_id);
      r.nonce = crypto::RandomU64();
      r.message = SignFirstRequest(ids_[i], fast_, r.session_id, r.nonce);
      cams_[i].requests.push_back(std::move(r));
    }
  }

  // Run completes `count` registrations (PreSign first) with every CAM busy while requests are
  // left, then returns with none in flight.
  void Run(uint64_t count) {
    const uint64_t goal = stats_.registered + count;
    started_ = stats_.registered;
    goal_ = goal;
    while (in_flight_ < kWindow && StartNext()) {
    }
    epoll_event events[64];
    char buf[4096];
    while (stats_.registered < goal) {
      const int n = epoll_wait(epoll_, events, 64, pending_.empty() ? 200 : 0);
      for (int e = 0; e < n; ++e) {
        const size_t i = events[e].data.u64;
        const ssize_t len = recv(cams_[i].fd, buf, sizeof buf, 0);
        if (len > 0) {
          OnDatagram(i, ByteView(reinterpret_cast<const uint8_t*>(buf), size_t(len)));
        }
      }
      if (pending_.size() >= 8 || (n <= 0 && !pending_.empty())) {
        Decrypt();
      }
      if (n <= 0) {
        Expire();
      }
    }
  }

  const Stats& stats() const { return stats_; }

 private:
  enum class Phase : uint8_t { kIdle, kWaitKeyResponse, kWaitCamRegConfirm };
  struct Request {
    std::array<uint8_t, protocol::kSessionIdLen> session_id{};
    uint64_t nonce = 0;
    Bytes message;
  };
  struct Cam {
    std::shared_ptr<const crypto::RsaBatchKey> key;
    int fd = -1;
    std::deque<Request> requests;
    Phase phase = Phase::kIdle;
    Request current;
    std::chrono::steady_clock::time_point deadline;
    Bytes cipher;  // RSAEncryptedContent waiting for Decrypt
    std::optional<protocol::SessionKeys> keys;
    crypto::AesKey mek;
    uint64_t reg_nonce = 0;
  };

  // StartNext starts the next idle CAM's next registration; false when none is due.
  bool StartNext() {
    for (size_t tries = idle_.size(); tries > 0 && started_ < goal_; --tries) {
      const size_t i = idle_.front();
      idle_.pop_front();
      Cam& c = cams_[i];
      if (c.requests.empty()) {
        idle_.push_back(i);
        continue;
      }
      ++started_;
      ++in_flight_;
      c.current = std::move(c.requests.front());
      c.requests.pop_front();
      c.phase = Phase::kWaitKeyResponse;
      c.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      send(c.fd, c.current.message.data(), c.current.message.size(), 0);
      return true;
    }
    return false;
  }

  // Finish: CAM i is done (registered, or failed and counted in `failed`); its slot goes to the
  // next idle CAM.
  void Finish(size_t i, uint64_t* failed = nullptr) {
    if (failed != nullptr) {
      ++*failed;
      --started_;
    }
    cams_[i].phase = Phase::kIdle;
    idle_.push_back(i);
    --in_flight_;
    StartNext();
  }

  void OnDatagram(size_t i, ByteView m) {
    Cam& c = cams_[i];
    protocol::Header h;
    protocol::HeaderError he;
    if (protocol::CheckMessageFrame(m, &h, &he) != protocol::ProtectError::kOk) {
      return;
    }
    const protocol::MessageType response =
        fast_ ? protocol::MessageType::kKeyRegResponse : protocol::MessageType::kKeyResponse;
    if (c.phase == Phase::kWaitKeyResponse && h.type == response && h.nonce == c.current.nonce) {
      protocol::SignedMessage sm;
      protocol::KeyResponseContent normal;
      protocol::KeyRegResponseContent reg;
      const bool decoded =
          protocol::ParseSigned(m, &sm) == protocol::ProtectError::kOk &&
          (fast_ ? protocol::Decode(sm.content, &reg) : protocol::Decode(sm.content, &normal)) ==
              protocol::DecodeError::kNone;
      const ByteView sid = fast_ ? reg.session_id : normal.session_id;
      if (!decoded || !crypto::ConstantTimeEqual(sid, c.current.session_id)) {
        return Finish(i, &stats_.refused);
      }
      const ByteView cipher = fast_ ? reg.rsa_encrypted_content : normal.rsa_encrypted_content;
      c.cipher.assign(cipher.begin(), cipher.end());
      pending_.push_back(i);
      return;
    }
    if (c.phase == Phase::kWaitCamRegConfirm && h.type == protocol::MessageType::kCamRegConfirm &&
        h.nonce == c.reg_nonce) {
      c.keys->SetMek(c.mek);
      Bytes plain(m.size());
      protocol::OpenedMessage opened;
      protocol::CamRegConfirmContent v;
      if (protocol::Open(protocol::ProtectionOf(h.type), m, {nullptr, &*c.keys}, plain, &opened) !=
              protocol::ProtectError::kOk ||
          protocol::Decode(opened.content, &v) != protocol::DecodeError::kNone ||
          !crypto::ConstantTimeEqual(v.session_id, c.current.session_id)) {
        return Finish(i, &stats_.refused);
      }
      ++stats_.registered;
      return Finish(i);
    }
    if (h.type == protocol::MessageType::kStatus && c.phase != Phase::kIdle) {
      Finish(i, &stats_.refused);
    }
  }

  // Decrypt runs the gathered OAEP decryptions in one batch, then sends each CAM's CAMReg.
  void Decrypt() {
    std::vector<std::optional<crypto::SecretBytes>> plain(pending_.size());
    std::vector<crypto::RsaDecryptJob> jobs;
    for (size_t j = 0; j < pending_.size(); ++j) {
      const Cam& c = cams_[pending_[j]];
      jobs.push_back({c.key.get(), c.cipher, &plain[j]});
    }
    crypto::DecryptOaepSha256Batch(jobs);
    for (size_t j = 0; j < pending_.size(); ++j) {
      OnSecret(pending_[j], plain[j]);
    }
    pending_.clear();
  }

  // OnSecret: fast mode is registered once the secret gives its keys; normal mode derives its
  // keys and sends CAMReg.
  void OnSecret(size_t i, const std::optional<crypto::SecretBytes>& plain) {
    Cam& c = cams_[i];
    if (fast_) {
      if (!plain || !AcceptFastSecret(plain->view())) {
        return Finish(i, &stats_.refused);
      }
      ++stats_.registered;
      return Finish(i);
    }
    c.reg_nonce = crypto::RandomU64();
    auto sent = plain ? BuildCamReg(ids_[i], c.current.session_id, plain->view(), c.reg_nonce)
                      : std::nullopt;
    if (!sent) {
      return Finish(i, &stats_.refused);
    }
    c.keys = std::move(sent->keys);
    c.mek = sent->mek;
    c.phase = Phase::kWaitCamRegConfirm;
    send(c.fd, sent->message.data(), sent->message.size(), 0);
  }

  // Expire starts over the CAMs whose answer is 2 s late; aborts when no CAM is left busy
  // (PreSign gave too few requests).
  void Expire() {
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < cams_.size(); ++i) {
      if (cams_[i].phase != Phase::kIdle && now > cams_[i].deadline &&
          std::find(pending_.begin(), pending_.end(), i) == pending_.end()) {
        Finish(i, &stats_.timeouts);
      }
    }
    Check(in_flight_ > 0 || stats_.registered >= goal_, "out of signed KeyRequests");
  }

  static constexpr size_t kWindow = 64;  // registrations in flight

  bool fast_;
  std::vector<tools::CamIdentity> ids_;
  std::vector<Cam> cams_;
  int epoll_ = -1;
  std::vector<size_t> pending_;  // CAMs whose KeyResponse waits for Decrypt
  std::deque<size_t> idle_;      // CAMs between registrations, oldest first
  size_t in_flight_ = 0;
  uint64_t started_ = 0;  // registrations started or done in this Run
  uint64_t goal_ = 0;
  Stats stats_;
};

}  // namespace rcas::perf
