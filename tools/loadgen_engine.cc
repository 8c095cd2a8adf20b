// LoadGenerator's loop (tools/loadgen.h): arrivals under a token bucket, one flow per session,
// the §5.5 retransmission schedule, §14.2 backoff and retries, and the progress samples.

#include <cpuid.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <x86intrin.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "crypto/random.h"
#include "protocol/protect.h"
#include "tools/loadgen_cam.h"

namespace rcas::tools {
namespace {

constexpr std::array<int64_t, 4> kRetransmitMs = {2'000, 4'000, 8'000, 16'000};  // §5.5
constexpr int64_t kFinalWaitMs = 32'000;
constexpr int64_t kBackoffMinMs = 60'000;  // §14.2
constexpr int64_t kBackoffMaxMs = 3'600'000;
constexpr int64_t kIdleMs = 60'000;  // §15.2: ESTABLISHED without traffic
constexpr size_t kDecryptLanes = 8;  // one IFMA kernel run (crypto/rsa_batch.h)
constexpr int64_t kDecryptWaitUs = 2000;

int64_t SteadyUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// TscClock: rdtsc scaled to microseconds when the TSC is invariant (CPUID 0x80000007 EDX bit
// 8), calibrated once against steady_clock over 20 ms; steady_clock otherwise.
struct TscClock {
  bool tsc = false;
  uint64_t base_tsc = 0;
  int64_t base_us = 0;
  double us_per_tick = 0;

  TscClock() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid(0x80000007, &a, &b, &c, &d) == 0 || (d & (1u << 8)) == 0) {
      return;
    }
    base_us = SteadyUs();
    base_tsc = __rdtsc();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int64_t us = SteadyUs() - base_us;
    const uint64_t ticks = __rdtsc() - base_tsc;
    us_per_tick = double(us) / double(ticks);
    tsc = ticks > 0;
  }
  int64_t Now() const {
    return tsc ? base_us + int64_t(double(__rdtsc() - base_tsc) * us_per_tick) : SteadyUs();
  }
};

}  // namespace

static double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);  // this generator's thread
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int64_t LoadNowUs() {
  static const TscClock clock;
  return clock.Now();
}

const char* HostileKindName(HostileKind kind) {
  switch (kind) {
    case HostileKind::kBadSignature:
      return "bad-signature";
    case HostileKind::kReplay:
      return "replay";
    case HostileKind::kClone:
      return "clone";
    case HostileKind::kMalformed:
      return "malformed";
    case HostileKind::kGarbage:
      return "garbage";
  }
  return "?";
}

const char* LatencyKindName(LatencyKind kind) {
  static constexpr const char* kNames[] = {"KeyResponse",  "CAMRegConfirm", "KeyRegResponse",
                                           "registration", "renewal",       "Status"};
  return kNames[static_cast<size_t>(kind)];
}

bool LoadReport::ok() const {
  bool attacks = true;
  for (const HostileScore& h : hostile) {
    attacks = attacks && h.unexpected == 0;
  }
  return completed == cams && failed == 0 && check_failures.empty() && images_failed == 0 &&
         attacks;
}

LoadGenerator::LoadGenerator(const LoadIdentities& ids, LoadTransport& transport,
                             LoadOptions options)
    : ids_(ids),
      transport_(transport),
      o_(std::move(options)),
      genuine_(o_.cam_count != 0
                   ? std::min<size_t>(o_.cam_count,
                                      ids.size() - std::min<size_t>(o_.first_cam, ids.size()))
                   : ids.size() - std::min<size_t>(o_.first_cam, ids.size())),
      rng_(o_.seed != 0 ? o_.seed : crypto::RandomU64()) {
  cams_.reserve(genuine_ + genuine_ / 4 + 16);  // clones come later; keep references stable
  cams_.resize(genuine_);
  for (size_t i = 0; i < genuine_; ++i) {
    cams_[i].identity = static_cast<uint32_t>(o_.first_cam + i);
  }
  const uint32_t flows = transport_.flows();
  flow_owner_.assign(flows, kNone);
  flow_out_.resize(flows);
  decrypt_in_.resize(flows);
  free_flows_.reserve(flows);
  for (uint32_t f = flows; f > 0; --f) {
    free_flows_.push_back(f - 1);
  }
  if (o_.download) {
    downloads_ = std::make_unique<CamDownloads>(std::max(1u, o_.download_threads), o_.http_port,
                                                o_.tftp_port, ImageClientOptions{});
  }
  report_.cams = genuine_;
  report_.transport_name = transport_.Describe();
  root_key_ = std::make_unique<crypto::RsaBatchPublicKey>(ids_.root().public_key());
}

LoadGenerator::~LoadGenerator() = default;

LoadReport LoadGenerator::Run(const volatile bool* stop) {
  start_us_ = last_token_us_ = last_sample_us_ = LoadNowUs();
  const double cpu_start = CpuSeconds();
  busy_ = static_cast<uint32_t>(genuine_);
  for (;;) {
    int64_t now = LoadNowUs();
    if ((stop != nullptr && *stop) ||
        (o_.duration_ms > 0 && now - start_us_ >= o_.duration_ms * 1000)) {
      break;
    }
    StartDue(now);
    // A part batch waits up to kDecryptWaitUs for more answers: below 5 the RSA batch falls
    // back to OpenSSL one at a time, ~1.7x the cost per decryption (docs/rsa-batch.md).
    const bool pending = !decrypt_queue_.empty();
    const size_t got = transport_.Poll(*this, 256, pending ? 50 : (o_.rate > 0 ? 100 : 1000));
    now = LoadNowUs();
    if (decrypt_queue_.size() >= kDecryptLanes ||
        (got == 0 && pending && now - decrypt_since_us_ >= kDecryptWaitUs)) {
      RunDecrypts(now);
    }
    if (downloads_) {
      TakeDownloads(now);
    }
    RunTimers(now);
    ExpireActors(now);
    ReadAnnouncements();
    transport_.Flush();
    if (o_.progress_ms > 0 && now - last_sample_us_ >= o_.progress_ms * 1000) {
      Sample(now, false);
    }
    if (AllDone()) {
      break;
    }
  }
  // Sessions still held when the run ends (steady state, --duration) did what they came for.
  for (uint32_t cam = 0; cam < genuine_; ++cam) {
    if (cams_[cam].step == CamStep::kEstablished) {
      Finish(cam, LoadNowUs());
    }
  }
  transport_.Flush();
  Sample(LoadNowUs(), true);
  report_.duration_s = double(LoadNowUs() - start_us_) / 1e6;
  report_.cpu_s = CpuSeconds() - cpu_start;
  report_.transport = transport_.stats();
  return report_;
}

bool LoadGenerator::AllDone() const {
  return busy_ == 0 && clones_live_ == 0 && actor_fifo_.empty() && downloading_.empty();
}

// KeepChk: every CAM of one CASS must get the same CHK (it authenticates the announcements
// all of them hear, §6.2); the first one is kept to verify them.
void LoadGenerator::KeepChk(ByteView chk) {
  if (!chk_) {
    chk_.emplace(chk);
  } else if (o_.check && !crypto::ConstantTimeEqual(chk_->view(), chk)) {
    CheckFailed("CHK differs between CAMs");
  }
}

// ReadAnnouncements drains the announcement socket: RCASAnnounce / RCASRenewal verified with
// the CHK once a CAM has it (HMAC and framing, §6.2; counter freshness is per CAM, not here).
void LoadGenerator::ReadAnnouncements() {
  if (o_.announce_fd < 0) {
    return;
  }
  uint8_t buf[65536];
  for (int i = 0; i < 64; ++i) {
    const ssize_t n = recv(o_.announce_fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) {
      return;
    }
    const ByteView m(buf, size_t(n));
    protocol::Header h;
    protocol::HeaderError he;
    if (protocol::CheckMessageFrame(m, &h, &he) != protocol::ProtectError::kOk ||
        (h.type != protocol::MessageType::kRcasAnnounce &&
         h.type != protocol::MessageType::kRcasRenewal)) {
      ++report_.stray;
      continue;
    }
    ++report_.announcements;
    report_.renewal_announcements += h.type == protocol::MessageType::kRcasRenewal ? 1 : 0;
    if (!chk_) {
      ++report_.announcements_unverified;
      continue;
    }
    protocol::OpenedMessage opened;
    if (protocol::Open(protocol::ProtectionOf(h.type), m, {&*chk_, nullptr}, {}, &opened) ==
        protocol::ProtectError::kOk) {
      ++report_.announcements_verified;
    } else {
      CheckFailed("announcement HMAC (CHK)");
    }
  }
}

// StartDue starts sessions while the window, the flows and the token bucket allow: CAMs whose
// backoff is over first, then CAMs that have not started yet.
void LoadGenerator::StartDue(int64_t now_us) {
  if (o_.rate > 0) {
    tokens_ += o_.rate * double(now_us - last_token_us_) / 1e6;
    tokens_ = std::min(tokens_, std::max(1.0, o_.rate / 100));  // at most 10 ms of burst
  }
  last_token_us_ = now_us;
  while (in_flight_ < o_.window && !free_flows_.empty() && (o_.rate <= 0 || tokens_ >= 1)) {
    uint32_t cam = kNone;
    if (!retry_queue_.empty()) {
      cam = retry_queue_.front();
      retry_queue_.pop_front();
    } else if (next_cam_ < genuine_) {
      cam = next_cam_++;
    } else {
      break;
    }
    tokens_ -= o_.rate > 0 ? 1 : 0;
    if (StartSession(cam, now_us)) {
      ++in_flight_;
      MaybeAttack(cam, true, now_us);
    }
  }
}

// StartSession takes a flow and sends the session's first request: the presigned one for a
// genuine CAM's first session, else one signed now.
bool LoadGenerator::StartSession(uint32_t cam, int64_t now_us) {
  if (free_flows_.empty()) {
    return false;
  }
  Cam& c = cams_[cam];
  c.flow = free_flows_.back();
  free_flows_.pop_back();
  flow_owner_[c.flow] = cam;
  const protocol::MessageType type =
      o_.fast ? protocol::MessageType::kKeyRegRequest : protocol::MessageType::kKeyRequest;
  ++c.sessions;
  c.session_us = now_us;
  c.renew_answer = kRenewNone;
  c.renew_nonce = c.log_nonce = 0;
  if (!c.clone) {
    ++report_.sessions;
  }
  if (cam < genuine_ && c.sessions == 1 && !presigned_at_.empty()) {
    const ByteView m(presigned_.data() + presigned_at_[cam],
                     presigned_at_[cam + 1] - presigned_at_[cam]);
    SendRequest(cam, m, type, now_us);
  } else {
    crypto::RandomBytes(c.session_id);
    c.first_nonce = crypto::RandomU64();
    const Bytes m = SignFirstRequest(cam, c.first_nonce);
    SendRequest(cam, m, type, now_us);
  }
  c.step = CamStep::kWaitFirst;
  return true;
}

void LoadGenerator::SendRaw(uint32_t flow, ByteView message, protocol::MessageType type) {
  if (transport_.Send(flow, message)) {
    ++report_.tx_by_type[static_cast<uint16_t>(type) & 15];
  }
}

// SendRequest sends a request that the CASS must answer and keeps its bytes for the §5.5
// retransmissions (2, 4, 8, 16 s, then a final 32 s wait; scaled).
void LoadGenerator::SendRequest(uint32_t cam, ByteView message, protocol::MessageType type,
                                int64_t now_us) {
  Cam& c = cams_[cam];
  Bytes& out = flow_out_[c.flow];
  out.assign(message.begin(), message.end());
  c.out_type = type;
  c.sent_us = now_us;
  c.retransmissions = 0;
  c.give_up_us = 0;
  c.interval_ms =
      static_cast<uint32_t>(std::max<int64_t>(1, int64_t(kRetransmitMs[0] * o_.time_scale)));
  SendRaw(c.flow, out, type);
  Arm(cam, now_us + int64_t(c.interval_ms) * 1000);
}

void LoadGenerator::Arm(uint32_t cam, int64_t at_us) {
  const uint32_t gen = ++cams_[cam].timer_gen;
  timers_.push_back({at_us, cam, gen});
  std::push_heap(timers_.begin(), timers_.end(), std::greater<>());
}

void LoadGenerator::RunTimers(int64_t now_us) {
  while (!timers_.empty() && timers_.front().at <= now_us) {
    const Timer t = timers_.front();
    std::pop_heap(timers_.begin(), timers_.end(), std::greater<>());
    timers_.pop_back();
    if (cams_[t.cam].timer_gen == t.gen) {
      OnTimer(t.cam, now_us);
    }
  }
}

void LoadGenerator::OnTimer(uint32_t cam, int64_t now_us) {
  Cam& c = cams_[cam];
  switch (c.step) {
    case CamStep::kWaitFirst:
    case CamStep::kWaitRegConfirm:
      if (c.give_up_us != 0) {
        ++report_.timeouts;
        return EndSession(cam, now_us, true);
      }
      SendRaw(c.flow, flow_out_[c.flow], c.out_type);  // byte-identical (§5.5)
      ++report_.retransmissions;
      if (++c.retransmissions < kRetransmitMs.size()) {
        c.interval_ms = static_cast<uint32_t>(
            std::max<int64_t>(1, int64_t(kRetransmitMs[c.retransmissions] * o_.time_scale)));
        Arm(cam, now_us + int64_t(c.interval_ms) * 1000);
      } else {
        c.give_up_us = now_us + std::max<int64_t>(1, int64_t(kFinalWaitMs * o_.time_scale)) * 1000;
        Arm(cam, c.give_up_us);
      }
      return;
    case CamStep::kEstablished:
      return Finish(cam, now_us);  // the hold (or the §15.2 idle wait) is over
    case CamStep::kBackoff:
      retry_queue_.push_back(cam);
      return;
    default:
      return;
  }
}

void LoadGenerator::ReleaseFlow(uint32_t cam) {
  Cam& c = cams_[cam];
  if (c.flow == kNone) {
    return;
  }
  flow_owner_[c.flow] = kNone;
  free_flows_.push_back(c.flow);
  c.flow = kNone;
  if (!c.clone) {
    --in_flight_;
  }
}

// Established: the session has its keys. A genuine CAM that registers for the first time may
// draw a replay or a clone of itself. It is held for the CASS's requests, or done at once.
void LoadGenerator::Established(uint32_t cam, int64_t now_us) {
  Cam& c = cams_[cam];
  c.step = CamStep::kEstablished;
  c.failures = 0;
  report_.latency[size_t(LatencyKind::kRegistration)].Record(uint64_t(now_us - c.session_us));
  if (!c.clone) {
    period_.Record(uint64_t(now_us - c.session_us));
    if (!c.registered) {
      ++report_.registered;
      c.registered = true;
      MaybeAttack(cam, false, now_us);
    }
  }
  if (c.clone) {
    return EndSession(cam, now_us, false);
  }
  const int64_t idle_ms = std::max<int64_t>(1, int64_t(kIdleMs * o_.time_scale));
  const int64_t hold_ms = o_.download ? std::max(o_.hold_ms, idle_ms) : o_.hold_ms;
  if (hold_ms <= 0) {
    return Finish(cam, now_us);
  }
  Arm(cam, now_us + hold_ms * 1000);
}

void LoadGenerator::Finish(uint32_t cam, int64_t now_us) { EndSession(cam, now_us, false); }

// EndSession closes the session (keys wiped). A failed one backs off as §14.2 says and retries
// while the CAM has sessions left; clones are scored instead (loadgen_hostile.cc).
void LoadGenerator::EndSession(uint32_t cam, int64_t now_us, bool failed, uint8_t status) {
  Cam& c = cams_[cam];
  ReleaseFlow(cam);
  downloading_.erase(cam);
  ++c.timer_gen;  // disarm
  c.keys = protocol::SessionKeys();
  c.icciek = c.ccciek = crypto::AesKey();
  c.icciek_iv = c.ccciek_iv = protocol::SecretBlock();
  if (c.clone) {
    const bool refused = failed && status == 0x80;
    Score(kNone, refused,
          refused       ? "status 0x80"
          : !failed     ? "accepted"
          : status != 0 ? "status 0x" + ToHex(ByteView(&status, 1))
                        : "timeout");
    ++report_.hostile[size_t(HostileKind::kClone)].sent;
    c.step = CamStep::kDone;
    --clones_live_;
    return;
  }
  if (!failed) {
    c.step = CamStep::kDone;
    ++report_.completed;
    --busy_;
    return;
  }
  ++c.failures;
  // 0x01 and 0x80 put the next try >= 1 h away (§14.1): out of a load test's reach.
  if (c.sessions >= o_.sessions || status == 0x01 || status == 0x80) {
    c.step = CamStep::kFailed;
    ++report_.failed;
    --busy_;
    return;
  }
  int64_t wait_ms = std::min(kBackoffMinMs << std::min<int>(c.failures - 1, 6), kBackoffMaxMs);
  wait_ms +=
      int64_t(double(wait_ms) * 0.2 * std::uniform_real_distribution<double>(-1.0, 1.0)(rng_));
  if (status == 0x83) {
    wait_ms = kBackoffMinMs + std::uniform_int_distribution<int64_t>(0, 240'000)(rng_);
  }
  c.step = CamStep::kBackoff;
  Arm(cam, now_us + std::max<int64_t>(1, int64_t(double(wait_ms) * o_.time_scale)) * 1000);
}

// OnDatagram routes one datagram to the session that holds its flow.
void LoadGenerator::OnDatagram(uint32_t flow, ByteView datagram) {
  const uint32_t owner = flow < flow_owner_.size() ? flow_owner_[flow] : kNone;
  const int64_t now_us = LoadNowUs();
  if (owner == kNone) {
    ++report_.stray;
    return;
  }
  if ((owner & kActorBit) != 0) {
    return OnActorDatagram(owner & ~kActorBit, datagram, now_us);
  }
  protocol::Header h;
  protocol::HeaderError he;
  if (protocol::CheckMessageFrame(datagram, &h, &he) != protocol::ProtectError::kOk) {
    ++report_.stray;  // dropped without a Status (§14.2)
    return;
  }
  ++report_.rx_by_type[static_cast<uint16_t>(h.type) & 15];
  Cam& c = cams_[owner];
  using protocol::MessageType;
  switch (h.type) {
    case MessageType::kKeyResponse:
    case MessageType::kKeyRegResponse:
      if (c.step == CamStep::kWaitFirst && h.nonce == c.first_nonce &&
          h.type == (o_.fast ? MessageType::kKeyRegResponse : MessageType::kKeyResponse)) {
        return OnFirstResponse(owner, datagram, now_us);
      }
      break;
    case MessageType::kCamRegConfirm:
      if (c.step == CamStep::kWaitRegConfirm && h.nonce == c.reg_nonce) {
        return OnCamRegConfirm(owner, datagram, now_us);
      }
      break;
    case MessageType::kStatus:
      return OnStatus(owner, datagram, h, now_us);
    case MessageType::kRenewInfo:
      return OnRenewInfo(owner, datagram, h, now_us);
    case MessageType::kLogRequest:
      return OnLogRequest(owner, datagram, h, now_us);
    default:
      break;
  }
  ++report_.stray;  // a duplicate answer or a message for no exchange of the session
}

// Sample closes one progress period: a timeline point and, if asked, the progress line.
void LoadGenerator::Sample(int64_t now_us, bool last) {
  const LoadTransportStats t = transport_.stats();
  TimelinePoint p;
  p.t_s = double(now_us - start_us_) / 1e6;
  p.registrations = report_.registered - last_sample_.registered;
  p.tx = t.tx - last_sample_.transport.tx;
  p.rx = t.rx - last_sample_.transport.rx;
  p.p50_us = period_.Quantile(0.5);
  p.p99_us = period_.Quantile(0.99);
  if (!last || p.t_s > (report_.timeline.empty() ? 0 : report_.timeline.back().t_s) + 0.05) {
    report_.timeline.push_back(p);
  }
  const double dt = double(now_us - last_sample_us_) / 1e6;
  if (o_.progress != nullptr && o_.progress_ms > 0) {
    *o_.progress << "loadgen: t=" << int(p.t_s) << "s registered " << report_.registered << "/"
                 << genuine_ << " failed " << report_.failed << " in-flight " << in_flight_
                 << " reg/s " << int64_t(dt > 0 ? double(p.registrations) / dt : 0) << " p50 "
                 << p.p50_us / 1000.0 << " ms p99 " << p.p99_us / 1000.0 << " ms timeouts "
                 << report_.timeouts << " tx " << t.tx << " rx " << t.rx << "\n"
                 << std::flush;
  }
  if (o_.live != nullptr) {
    o_.live->registered += report_.registered - last_sample_.registered;
    o_.live->failed += report_.failed - last_sample_.failed;
    o_.live->timeouts += report_.timeouts - last_sample_.timeouts;
    o_.live->tx += t.tx - last_sample_.transport.tx;
    o_.live->rx += t.rx - last_sample_.transport.rx;
    o_.live->done += last ? 1 : 0;
  }
  last_sample_ = report_;
  last_sample_.transport = t;
  last_sample_us_ = now_us;
  period_.Reset();
}

}  // namespace rcas::tools
