#pragma once
// LoadGenerator: rcas-loadgen's engine (docs/loadgen.md). It emulates many CAMs against one CASS
// through a LoadTransport (tools/loadgen_transport.h): each CAM runs the CAM side of normal mode
// (KeyRequest -> KeyResponse -> CAMReg -> CAMRegConfirm, PROFILE §13.3-§13.6, §15.2) or fast
// mode (KeyRegRequest -> KeyRegResponse, §13.11, §13.12, §15.3), then answers the CASS's
// RenewInfo (with or without the image download, §13.7-§13.9, §17) and LogRequest (§13.10)
// while its session is held. Requests are retransmitted byte-identically (§5.5); failed
// sessions back off as §14.2 (timers scaled by time_scale) and retry. Hostile traffic (bad
// signatures, replays, clones, malformed datagrams) rides along at a given share and is scored
// against the answer the profile prescribes.
//
// Cost model: first requests are signed before the clock starts (PreSign); the OAEP decryptions
// of KeyResponse / KeyRegResponse are gathered over a burst and run 8 at a time on the IFMA
// kernel (crypto/rsa_batch.h); with `check` every answer is verified as a CAM must (certificate
// chain and CASS_ID, signature, sIGN-kpk, MACs, Status digests, image hashes), without it the
// certificate, signature and sIGN-kpk checks are skipped (a wrong answer still fails: its keys
// would not open the next message). One thread; per-CAM state is LoadCam (<= 256 octets plus
// the session keys), so millions of CAMs fit.

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/rsa_verify_batch.h"
#include "protocol/header.h"
#include "protocol/key_schedule.h"
#include "protocol/message_type.h"
#include "protocol/session_keys.h"
#include "tools/cam_downloads.h"
#include "tools/loadgen_histogram.h"
#include "tools/loadgen_identities.h"
#include "tools/loadgen_transport.h"

namespace rcas::tools {

// HostileKind: the hostile traffic (issue 6) and what the profile answers to it.
enum class HostileKind : uint8_t {
  kBadSignature,  // a first request whose signature does not verify: unkeyed Status 0x05
  kReplay,        // a completed session's first request again, from another source: 0x82, or
                  // the cached answer while the CASS still holds the session (§5.5)
  kClone,         // a registered CAM's identity keying again elsewhere: Status 0x80 (Annex C)
  kMalformed,     // a first request whose DER is broken: unkeyed Status 0x81
  kGarbage,       // bytes that fail the framing checks: no answer at all (§14.2)
};
inline constexpr size_t kHostileKinds = 5;
const char* HostileKindName(HostileKind kind);

struct LoadOptions {
  std::optional<crypto::CassId> cass_id;  // the CASS certificate must carry it (§10.4)
  bool fast = false;                      // fast mode (Annex B) instead of normal mode
  bool check = false;                     // verify every answer fully (see the cost model above)
  double rate = 0;          // session starts per second; 0: as fast as `window` allows
  uint32_t window = 1024;   // genuine sessions in flight at most (also bounded by flows)
  double time_scale = 1.0;  // multiplies every protocol timer (§5.5 schedule, backoff, idle)
  uint32_t sessions = 4;    // sessions a CAM may start before it counts as failed
  int64_t hold_ms = 0;      // an established session waits this long for the CASS's requests
  bool download = false;    // fetch, decrypt and check the images of a RenewInfo
  uint16_t http_port = 80;  // §13.7
  uint16_t tftp_port = 69;
  unsigned download_threads = 4;
  std::array<double, kHostileKinds> hostile{};  // per genuine session, by HostileKind
  int64_t hostile_wait_ms = 5000;               // how long an attack waits for its answer
  int64_t duration_ms = 0;                      // stop after this long (0: when all are done)
  int64_t progress_ms = 1000;                   // progress line period (0: none)
  std::ostream* progress = nullptr;
  uint64_t seed = 0;     // hostile draws; 0: random
  int announce_fd = -1;  // a bound UDP socket (tools/cam_net.h OpenAnnounceSocket); -1: none
  // A shard of the identities (one generator per thread): CAMs first_cam .. first_cam +
  // cam_count - 1 (cam_count 0: to the end).
  uint32_t first_cam = 0;
  uint32_t cam_count = 0;
  struct LoadLive* live = nullptr;  // totals for a progress line over several generators
};

// LatencyKind: what one latency histogram measures (from the first transmission, so that
// retransmission delays count).
enum class LatencyKind : uint8_t {
  kKeyResponse,     // KeyRequest -> KeyResponse
  kCamRegConfirm,   // CAMReg -> CAMRegConfirm
  kKeyRegResponse,  // KeyRegRequest -> KeyRegResponse
  kRegistration,    // first request -> ESTABLISHED
  kRenewal,         // RenewInfo received -> RenewConfirm sent (the download included)
  kStatus,          // request -> a failure Status
};
inline constexpr size_t kLatencyKinds = 6;
const char* LatencyKindName(LatencyKind kind);

// HostileScore: what one kind of attack got.
struct HostileScore {
  uint64_t sent = 0;
  uint64_t expected = 0;    // answered as the profile says
  uint64_t unexpected = 0;  // anything else (wrong code, accepted, silence where one is due)
  std::map<std::string, uint64_t> outcomes;  // "status 0x05", "cached answer", "silence", ...
};

// LoadLive: running totals that generators on several threads add to at each progress period,
// for one progress line over all of them.
struct LoadLive {
  std::atomic<uint64_t> registered{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> tx{0};
  std::atomic<uint64_t> rx{0};
  std::atomic<uint64_t> done{0};  // generators that finished
};

// TimelinePoint: one progress period.
struct TimelinePoint {
  double t_s = 0;
  uint64_t registrations = 0;  // in this period
  uint64_t tx = 0;
  uint64_t rx = 0;
  uint64_t p50_us = 0;  // registration latency of the period
  uint64_t p99_us = 0;
};

struct LoadReport {
  double duration_s = 0;  // first session start to the end
  double presign_s = 0;   // signing the first requests, before the clock
  double cpu_s = 0;       // the generator's CPU time (user + system) during Run
  uint64_t cams = 0;
  uint64_t registered = 0;  // genuine CAMs that reached ESTABLISHED at least once
  uint64_t completed = 0;   // ... and finished what they came for (the renewal with download)
  uint64_t failed = 0;      // genuine CAMs out of sessions
  uint64_t sessions = 0;    // genuine sessions started
  uint64_t timeouts = 0;    // exchanges that timed out (§5.5)
  uint64_t retransmissions = 0;
  uint64_t renewals_installed = 0;
  uint64_t renewals_declined = 0;  // RenewConfirm(FALSE): no download asked, or one failed
  uint64_t images_failed = 0;      // hash / PKCS#7 (Status 0x03 sent)
  uint64_t log_responses = 0;
  uint64_t purchase_reports = 0;
  // Announcements heard on announce_fd (§5.1): verified with the CHK the CAMs got (§6.2).
  uint64_t announcements = 0;
  uint64_t announcements_verified = 0;
  uint64_t announcements_unverified = 0;  // heard before any CAM had the CHK
  uint64_t renewal_announcements = 0;     // RCASRenewal among them (§13.2)
  uint64_t stray = 0;  // datagrams for no session of their flow, or failing framing
  std::map<std::string, uint64_t> check_failures;   // by check name
  std::map<std::string, uint64_t> status_received;  // "KeyRequest 0x83" -> count (genuine)
  std::map<std::string, uint64_t> status_sent;      // by the CAMs, "0x84" -> count
  std::array<uint64_t, 16> tx_by_type{};            // genuine messages, by MessageType value
  std::array<uint64_t, 16> rx_by_type{};
  std::array<LatencyHistogram, kLatencyKinds> latency;
  std::array<HostileScore, kHostileKinds> hostile;
  std::vector<TimelinePoint> timeline;
  LoadTransportStats transport;
  std::string transport_name;
  bool ok() const;  // every genuine CAM completed, no check failed, every attack as expected
  // Merge adds another shard's report (run side by side): counts add, histograms merge, the
  // timelines add period by period, durations take the longer.
  void Merge(const LoadReport& other);
};

class LoadGenerator : public LoadSink {
 public:
  LoadGenerator(const LoadIdentities& ids, LoadTransport& transport, LoadOptions options);
  ~LoadGenerator() override;
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // PreSign signs every CAM's first request of its first session (threads: 0 = hardware).
  void PreSign(unsigned threads);
  // Run starts the CAMs and serves them until all are done (or duration_ms, or *stop).
  LoadReport Run(const volatile bool* stop = nullptr);

  void OnDatagram(uint32_t flow, ByteView datagram) override;

  struct Cam;    // loadgen_engine.cc
  struct Actor;  // loadgen_hostile.cc

 private:
  // loadgen_engine.cc
  void StartDue(int64_t now_us);
  bool StartSession(uint32_t cam, int64_t now_us);
  void SendRequest(uint32_t cam, ByteView message, protocol::MessageType type, int64_t now_us);
  void Resend(uint32_t cam);
  void Arm(uint32_t cam, int64_t at_us);
  void RunTimers(int64_t now_us);
  void OnTimer(uint32_t cam, int64_t now_us);
  void EndSession(uint32_t cam, int64_t now_us, bool failed, uint8_t status = 0);
  void Established(uint32_t cam, int64_t now_us);
  void Finish(uint32_t cam, int64_t now_us);
  void ReleaseFlow(uint32_t cam);
  void SendRaw(uint32_t flow, ByteView message, protocol::MessageType type);
  void Sample(int64_t now_us, bool last);
  void ReadAnnouncements();
  void KeepChk(ByteView chk);
  bool AllDone() const;
  // loadgen_keying.cc
  Bytes SignFirstRequest(uint32_t cam, uint64_t nonce);
  void OnFirstResponse(uint32_t cam, ByteView message, int64_t now_us);
  void RunDecrypts(int64_t now_us);
  void OnSecret(uint32_t cam, ByteView secret, int64_t now_us);
  void OnCamRegConfirm(uint32_t cam, ByteView message, int64_t now_us);
  void OnStatus(uint32_t cam, ByteView message, const protocol::Header& h, int64_t now_us);
  // SendStatus answers with Status `code` under `nonce`, carrying `session_id` (empty: the
  // CAM's own), keyed with the session's keys or unkeyed (§9.5).
  void SendStatus(uint32_t cam, uint8_t code, uint64_t nonce, bool keyed, ByteView session_id = {});
  bool CheckFailed(const char* what);
  const crypto::RsaBatchPublicKey* CassKey(ByteView certificate) const;
  Bytes SealKeyed(uint32_t cam, protocol::MessageType type, uint64_t nonce, ByteView der);
  // loadgen_renewal.cc
  void OnRenewInfo(uint32_t cam, ByteView message, const protocol::Header& h, int64_t now_us);
  void OnLogRequest(uint32_t cam, ByteView message, const protocol::Header& h, int64_t now_us);
  void TakeDownloads(int64_t now_us);
  void FinishRenewal(uint32_t cam, int64_t now_us);
  void SendRenewalAnswers(uint32_t cam);
  // loadgen_hostile.cc
  void MaybeAttack(uint32_t cam, bool at_start, int64_t now_us);
  void LaunchActor(HostileKind kind, uint32_t cam, Bytes message, int64_t now_us);
  void OnActorDatagram(uint32_t actor, ByteView message, int64_t now_us);
  void ExpireActors(int64_t now_us);
  void Score(uint32_t actor, bool expected, const std::string& outcome);

  const LoadIdentities& ids_;
  LoadTransport& transport_;
  LoadOptions o_;
  LoadReport report_;
  std::vector<Cam> cams_;  // genuine CAMs first, then clones
  size_t genuine_ = 0;
  Bytes presigned_;                     // first requests of the first sessions, back to back
  std::vector<uint64_t> presigned_at_;  // offset per genuine CAM, size() + 1 entries
  std::vector<uint32_t> flow_owner_;    // cam index, actor index | kActorBit, or kNone
  std::vector<Bytes> flow_out_;         // the outstanding request of each flow (§5.5)
  std::vector<uint32_t> free_flows_;
  std::vector<Actor> actors_;
  std::vector<uint32_t> free_actors_;
  std::deque<uint32_t> actor_fifo_;   // live actors by deadline (all wait the same time)
  std::deque<uint32_t> retry_queue_;  // CAMs whose backoff is over, waiting for the window
  uint32_t clones_live_ = 0;
  std::vector<uint32_t> decrypt_queue_;  // CAMs whose answer waits for the RSA batch
  std::vector<Bytes> decrypt_in_;        // their answers, by flow
  int64_t decrypt_since_us_ = 0;         // when the oldest of them arrived
  struct Timer {
    int64_t at;
    uint32_t cam;
    uint32_t gen;
    bool operator>(const Timer& o) const { return at > o.at; }
  };
  std::vector<Timer> timers_;  // min-heap; stale generations are skipped
  std::unique_ptr<CamDownloads> downloads_;
  struct Download;
  std::unordered_map<uint32_t, std::unique_ptr<Download>> downloading_;
  std::mt19937_64 rng_;
  uint32_t next_cam_ = 0;   // next genuine CAM to start its first session
  uint32_t in_flight_ = 0;  // genuine sessions holding a flow
  uint32_t busy_ = 0;       // genuine CAMs neither done nor failed
  double tokens_ = 0;
  int64_t last_token_us_ = 0;
  int64_t start_us_ = 0;
  int64_t last_sample_us_ = 0;
  LoadReport last_sample_;
  LatencyHistogram period_;  // registration latency since the last sample
  Bytes scratch_;
  // CASS certificates that passed §10.4 and their keys, for the verify batches.
  static constexpr size_t kMaxCassCertificates = 8;
  std::vector<std::pair<Bytes, std::unique_ptr<crypto::RsaBatchPublicKey>>> cass_keys_;
  std::unique_ptr<crypto::RsaBatchPublicKey> root_key_;  // the AC root's: sIGN-kpk
  std::optional<protocol::Secret20> chk_;                // the CASS's CHK, as the first CAM got it
};

// NowUs: a monotonic clock in microseconds (the TSC where it is invariant; steady_clock
// otherwise), shared by the engine and its rate control.
int64_t LoadNowUs();

}  // namespace rcas::tools
