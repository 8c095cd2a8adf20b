#pragma once
// CassEngine: the transport-agnostic CASS (PROFILE §15.4 normal mode, §15.5 fast mode). It takes
// framed messages from CAMs and produces messages to send; the I/O loop only moves bytes.
//
// Threading: every method runs on one control thread, which never blocks: RSA signatures go to
// the RsaBatcher, AC requests to the AcService; both answer onto queues whose eventfds
// (ac_event_fd, rsa_event_fd) tell the I/O loop to call Tick. Certificate and signature
// verification of the first request (public-key operations) run inline, or on the RSA threads
// with verify_on_rsa_workers (docs/cass-engine.md).
// Failures are answered with the Status of PROFILE §14 or dropped and counted (CassCounters);
// nothing is thrown.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "control/ac_result_cache.h"
#include "control/ac_service.h"
#include "control/campaign.h"
#include "control/cass_session.h"
#include "control/cass_types.h"
#include "control/cass_zone.h"
#include "control/session_table.h"
#include "control/timing_wheel.h"
#include "crypto/hash.h"
#include "crypto/rsa_batch.h"
#include "crypto/rsa_batcher.h"
#include "crypto/x509.h"
#include "protocol/content.h"
#include "protocol/header.h"
#include "protocol/protect.h"
#include "protocol/protect_signed.h"
#include "storage/ac_store.h"

namespace rcas::control {

// CassTimeouts: PROFILE §5.5 and §15.4, in milliseconds.
struct CassTimeouts {
  uint64_t ac_ms = 30'000;                       // AC_WAIT (either stage)
  uint64_t cam_reg_ms = 60'000;                  // W_CAMREG
  uint64_t idle_ms = 60'000;                     // ESTABLISHED with nothing due
  uint64_t purchase_report_ms = 30'000;          // after RenewConfirm(TRUE) with purchaseReport-Req
  uint64_t request_ms = 30'000;                  // TCP: LogRequest answer
  uint64_t download_ms = 1'800'000;              // T_download after RenewInfo
  uint64_t linger_ms = 60'000;                   // cached answers after CLOSED (§23 item 4)
  uint64_t replay_ms = 7ull * 24 * 3600 * 1000;  // T_replay (§6.2)
  std::array<uint64_t, 4> udp_retransmit_ms = {2'000, 4'000, 8'000, 16'000};
  uint64_t udp_final_wait_ms = 32'000;
  uint64_t c1_cache_ms = 24ull * 3600 * 1000;  // mode C1 AC results (§16.5)
};

struct CassEngineConfig {
  Bytes cass_certificate_der;
  std::shared_ptr<const crypto::RsaBatchKey> cass_key;  // signs KeyResponse / KeyRegResponse
  std::shared_ptr<const crypto::TrustAnchor> ac_root;   // checks CAM certificates (§10.4)
  AnnexCMode annex_c_mode = AnnexCMode::kC1;            // C2: RenewConfirm goes to the AC
  CassTimeouts timeouts;
  size_t c1_cache_capacity = size_t{1} << 18;  // CAMs in the mode C1 cache; 0 turns it off
  // verify_on_rsa_workers: the first request's certificate and signature checks (~200 µs) run
  // on the RsaBatcher's threads instead of the engine thread (docs/cass-engine.md).
  bool verify_on_rsa_workers = false;
  // Observers for the daemon's log, called on the engine thread; either may be empty.
  // on_status: a Status went out; `s` is null when the refusal made no session (bad signature).
  std::function<void(const CassSession* s, protocol::StatusCode code)> on_status;
  // on_session_end: `s` closes now, still in the state it ended in; `failed` as kSessionsFailed.
  // A dataplane drops the session's flow keys here.
  std::function<void(const CassSession& s, bool failed)> on_session_end;
  // on_keys: `*s.keys` became known or grew (normal: IHK, then MEK at CAMReg, then MEK-IV; fast:
  // all at once), for a dataplane that opens keyed messages itself (protocol::MakeFlowKeys of
  // *s.keys, under s.peer, tagged with s.id for PreOpened::session). Ordering guarantee: it runs
  // before the message that lets the CAM use these keys (KeyResponse, KeyRegResponse,
  // CAMRegConfirm) is handed to the output, so a dataplane that applies key updates before it
  // sends what TakeOutput gave sees the keys first.
  std::function<void(const CassSession& s)> on_keys;
  // on_route_change: a keyed message that verified under s's keys came by another route than
  // s.peer's (PeerRef::route: another dataplane worker); s.peer now has the new route and the
  // answers take it. A dataplane moves the session's flow keys from `old_peer`'s worker here.
  std::function<void(const CassSession& s, const PeerRef& old_peer)> on_route_change;
};

// PreOpened is what a dataplane worker did with one keyed CAM -> CASS message (the types of
// protocol::OpenedByDataplane) before handing it to OnOpened. `content` is borrowed for the call.
struct PreOpened {
  uint64_t session = 0;  // CassSession::id of the flow keys the worker used (on_keys)
  protocol::ProtectError verdict = protocol::ProtectError::kOk;  // kOk, kBadMac or kBadPadding
  ByteView content;  // kOk: the DER plaintext; kBadPadding: the decrypted octets (unused)
};

class CassEngine {
 public:
  // The references must outlive the engine. `now_ms` is Unix time in milliseconds (the replay
  // set is persistent and certificates are checked against it).
  CassEngine(CassEngineConfig config, CassZone zone, AcService& ac, storage::AcStore& store,
             crypto::RsaBatcher& rsa, CampaignSource& campaign, ImagePublisher& images,
             uint64_t now_ms);
  // ~CassEngine waits (bounded) for the AC answers still in flight: they target its queue.
  ~CassEngine();
  CassEngine(const CassEngine&) = delete;
  CassEngine& operator=(const CassEngine&) = delete;

  // OnMessage handles one framed message from `peer`: a UDP datagram that passed
  // CheckUdpDatagram, or one TCP frame from NextTcpFrame.
  void OnMessage(const PeerRef& peer, ByteView message, uint64_t now_ms);
  // OnOpened is OnMessage for a message a dataplane worker already authenticated (and decrypted)
  // with the keys of session pre.session: its verdict and plaintext replace protocol::Open. If
  // the session the message belongs to is another one (a new session from the same source
  // replaced it), the message is dropped under rx-stale-flow. `message` holds the 16-octet header
  // (already framing-checked by the worker); for CAMReg (MAC-only, intact) the whole message, as
  // the response cache compares duplicates by their bytes. The ciphertext of the encrypted types
  // is not read (the worker decrypted it in place). Types a worker does not open (Status, first
  // requests) must come whole and are handled exactly as by OnMessage.
  void OnOpened(const PeerRef& peer, ByteView message, const PreOpened& pre, uint64_t now_ms);
  // OnPeerClosed: the TCP connection is gone; its session ends.
  void OnPeerClosed(uint64_t connection, uint64_t now_ms);
  // Tick drains the AC and RSA answers and fires the timers due at now_ms.
  void Tick(uint64_t now_ms);
  // TakeOutput appends the messages to send, in order, and forgets them (FlushRsa first).
  void TakeOutput(std::vector<OutMessage>& out);
  // FlushRsa hands the RSA jobs staged since the last call (signatures, checks on the RSA
  // threads) to the batcher at once, so one take of its worker gets them all; those past its
  // capacity are answered 0x83 here. The loop calls it after each burst of OnMessage; Tick and
  // TakeOutput call it too, so nothing staged outlives a loop turn (docs/cass-engine.md).
  void FlushRsa();

  int ac_event_fd() const { return cq_->event_fd(); }
  int rsa_event_fd() const { return rsa_inbox_->event_fd; }
  const CassCounters& counters() const { return counters_; }
  // zone is for the announce scheduler (CHK, CASSInfo); RotateChk through it.
  CassZone& zone() { return zone_; }
  size_t sessions() const { return table_.size(); }
  // c1_cache: the mode C1 cache of AC results (empty in C2).
  const AcResultCache& c1_cache() const { return c1_cache_; }

 private:
  friend class CassEnginePeer;  // tests

  struct Signed {
    uint64_t session;
    Bytes message;  // header || content || signature; empty: signing failed
  };
  struct FirstRequest;  // cass_first_request.cc
  // Verified: the certificate (§10.4) and signature checks of one first request.
  struct Verified {
    uint64_t ticket = 0;  // verify_on_rsa_workers: names the PendingFirst
    crypto::CamCertResult cert;
    bool signature_ok = false;
  };
  // PendingFirst: a first request whose checks run on the RSA threads.
  struct PendingFirst {
    PeerRef peer;
    Bytes message;
    crypto::Sha256Digest digest{};
  };
  // RsaInbox receives signatures from the batcher's threads.
  struct RsaInbox {
    RsaInbox();
    ~RsaInbox();
    std::mutex mu;
    std::vector<Signed> done;
    std::vector<Verified> verified;
    int event_fd = -1;
  };
  // StagedRsa names the owner of a job in rsa_staged_, for a refusal if the batcher is full.
  struct StagedRsa {
    uint64_t session = 0;  // a signature (SignAndSend)
    uint64_t ticket = 0;   // a first request's checks (VerifyOnWorkers)
  };
  enum TimerKind : uint64_t { kDeadline = 0, kRetransmit = 1 };

  // cass_engine.cc: plumbing.
  void Dispatch(const PeerRef& peer, ByteView message, const protocol::Header& h);
  void Send(const PeerRef& peer, Bytes bytes, bool close_after = false);
  void Arm(CassSession& s, uint64_t after_ms);
  void ArmRetransmit(CassSession& s, uint64_t after_ms);
  void EndSession(CassSession& s, bool failed);
  void OnTimer(uint64_t payload);
  void OnDeadline(CassSession& s);
  CassSession* FindKeyedSession(const PeerRef& peer, const protocol::Header& h);
  bool SubmitAc(CassSession& s, AcRequest&& request);
  AcRequest RequestFor(const CassSession& s, AcRequestKind kind) const;

  // cass_pre_opened.cc: the dataplane workers' hooks (on_keys, OnOpened).
  void NotifyKeys(const CassSession& s);
  protocol::ProtectError OpenKeyed(CassSession& s, const PeerRef& peer, protocol::MessageType type,
                                   ByteView message, Bytes& plain, ByteView* content);
  // cass_first_request.cc: KeyRequest / KeyRegRequest (§13.3, §13.11), checked inline or on
  // the RSA threads (VerifyOnWorkers, resumed by OnVerified).
  void OnFirstRequest(const PeerRef& peer, ByteView message);
  void FinishFirstRequest(const PeerRef& peer, ByteView message, const protocol::SignedMessage& m,
                          const FirstRequest& req, const Verified& checked);
  void VerifyOnWorkers(const PeerRef& peer, ByteView message);
  void OnVerified(Verified& v);
  bool TakeVerifying(uint64_t ticket, PendingFirst& pending, protocol::SignedMessage& m,
                     FirstRequest& req);
  void RefuseVerifying(uint64_t ticket);
  void ForgetVerifying(uint64_t connection);
  static protocol::DecodeError DecodeFirst(protocol::MessageType type, ByteView content,
                                           FirstRequest* out);
  static Verified CheckFirst(const crypto::TrustAnchor& root, const protocol::SignedMessage& m,
                             const FirstRequest& req, int64_t now_s);
  // cass_keying.cc: normal mode (§13.4-§13.6) and fast mode (§13.12).
  void OnAcResult(AcResult& r);
  void OnKeyMaterial(CassSession& s, AcResult& r);
  void SignAndSend(CassSession& s, protocol::MessageType type, ByteView content);
  void OnSigned(Signed& done);
  // cass_rsa_flush.cc: a signature the full batcher refused in FlushRsa.
  void RefuseUnsigned(uint64_t session);
  void OnCamReg(const PeerRef& peer, ByteView message, const protocol::Header& h);
  void OnCamRegAc(CassSession& s, const AcResult& r);
  // cass_renewal.cc: RenewInfo, RenewConfirm, PurchaseReport, LogRequest / LogResponse.
  void StartRenewal(CassSession& s);
  bool SendRenewInfo(CassSession& s);
  void SendLogRequest(CassSession& s);
  void SendRequest(CassSession& s, protocol::MessageType type, ByteView content);
  void OnRetransmit(CassSession& s);
  void OnCamResponse(const PeerRef& peer, ByteView message, const protocol::Header& h);
  void OnRenewConfirm(CassSession& s, const protocol::RenewConfirmContent& c);
  void AfterRenewal(CassSession& s);
  void SubmitReport(CassSession& s, AcRequestKind kind, ByteView body);
  // cass_status.cc: the Status the CASS sends (§9.5, §14) and the ones it receives.
  void RefuseFirst(const PeerRef& peer, CassSession* s, ByteView session_id, uint64_t nonce,
                   protocol::MessageType type, protocol::StatusCode code);
  void FailKeyed(CassSession& s, protocol::MessageType answered, ByteView session_id,
                 uint64_t nonce, protocol::StatusCode code);
  void OnCamStatus(const PeerRef& peer, ByteView message, const protocol::Header& h);
  // cass_c1_cache.cc: the mode C1 cache of AC results (§16.5, §23 item 17).
  bool KeyRequestFromCache(CassSession& s, ByteView certificate);
  void RememberStage1(CassSession& s, const AcResult& r);
  bool CamRegFromCache(CassSession& s);
  void RememberStage2(CassSession& s, const AcResult& r);
  bool RivalLive(const CassSession& s);
  void TrackLive(const CassSession& s);
  void UntrackLive(const CassSession& s);

  CassEngineConfig config_;
  CassZone zone_;
  AcService& ac_;
  storage::AcStore& store_;
  crypto::RsaBatcher& rsa_;
  CampaignSource& campaign_;
  ImagePublisher& images_;
  std::unique_ptr<CompletionQueue> cq_;
  std::shared_ptr<RsaInbox> rsa_inbox_;
  SessionTable table_;
  TimingWheel wheel_;
  std::vector<OutMessage> out_;
  CassCounters counters_;
  uint64_t now_ms_;
  const PreOpened* pre_opened_ = nullptr;  // set while OnOpened dispatches
  uint64_t ac_in_flight_ = 0;
  std::vector<AcResult> ac_scratch_;
  std::vector<Signed> rsa_scratch_;
  std::vector<Verified> verify_scratch_;
  crypto::RsaBatcher::Submission rsa_staged_;  // this turn's RSA jobs, queued by FlushRsa
  std::vector<StagedRsa> staged_owners_;       // one per job in rsa_staged_
  std::unordered_map<uint64_t, PendingFirst> verifying_;        // by ticket
  std::map<crypto::Sha256Digest, uint64_t> verifying_digests_;  // duplicates while verifying
  uint64_t next_ticket_ = 1;
  std::vector<uint64_t> timer_scratch_;
  AcResultCache c1_cache_;
  std::unordered_multimap<uint64_t, uint64_t> live_by_cam_;  // CAM_ID → its live sessions
};

}  // namespace rcas::control
