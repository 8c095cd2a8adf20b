#pragma once
// CamMachine: one reference CAM (PROFILE §15.1-§15.3). It handles announcements (§15.1, §13.2),
// runs one session at a time in normal or fast mode, retransmits its requests (§5.5), answers
// the CASS's requests (RenewInfo with image download and checks, §17; LogRequest), and backs off
// after failures (§14.2). It owns no socket and no clock: every event carries `now_ms` (Unix
// milliseconds) and every side effect goes through CamIo, so tests drive it with a fake clock.
// One thread; not copyable.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "protocol/content.h"
#include "protocol/header.h"
#include "protocol/protect.h"
#include "protocol/session_keys.h"
#include "tools/cam_io.h"
#include "tools/cam_state.h"
#include "tools/provisioning.h"

namespace rcas::tools {

// CamIdentity is what the factory put in the CAM (§2.3).
struct CamIdentity {
  CamRecord record;           // CAM_ID, DSC_ID, Ki/OPc, certificate
  crypto::RsaPrivateKey key;  // signs KeyRequest, decrypts RSAEncryptedContent
  crypto::TrustAnchor root;   // the AC root: CASS certificates and sIGN-kpk
};

enum class CamPhase : uint8_t {
  kIdle,
  kWaitKeyResponse,     // normal: KeyRequest sent (W_KEYRSP)
  kWaitRegConfirm,      // normal: CAMReg sent (W_REGCNF)
  kWaitKeyRegResponse,  // fast: KeyRegRequest sent (W_KEYREGRSP)
  kEstablished,
  kDownloading,
};

std::string_view CamPhaseName(CamPhase phase);

class CamMachine {
 public:
  CamMachine(CamIdentity identity, CamConfig config, CamPersistentState state, CamIo& io);
  ~CamMachine();
  CamMachine(const CamMachine&) = delete;
  CamMachine& operator=(const CamMachine&) = delete;

  // OnAnnouncement takes one RCASAnnounce or RCASRenewal datagram (multicast or unicast, §5.1).
  void OnAnnouncement(ByteView datagram, int64_t now_ms);
  // StartSession asks for a session to `target` without an announcement (command line). It
  // starts now if the CAM is idle and not backing off, else when it can. With
  // config.max_sessions, failed sessions are retried on this target after their backoff.
  void StartSession(const CamTarget& target, CamMode mode, int64_t now_ms);
  // OnMessage takes one message from the session's transport (a UDP datagram or a TCP frame).
  void OnMessage(ByteView message, int64_t now_ms);
  // OnTransportClosed: the TCP connection closed or could not be opened.
  void OnTransportClosed(int64_t now_ms);
  // OnImageFetched answers CamIo::FetchImage (`download` and `index` of its ImageRequest): the
  // encrypted object, or why it failed.
  void OnImageFetched(uint64_t download, size_t index, Result<Bytes> object, int64_t now_ms);
  // OnTimer runs everything due at `now_ms`; NextDeadline says when to call it next.
  void OnTimer(int64_t now_ms);
  std::optional<int64_t> NextDeadline() const;

  CamPhase phase() const { return phase_; }
  const CamStats& stats() const { return stats_; }
  const CamPersistentState& state() const { return state_; }
  const CamIdentity& identity() const { return id_; }
  const std::string& name() const { return name_; }  // CAM_ID in hex
  // Done: a fixed-target CAM that has nothing left to do (completed or out of attempts).
  bool Done() const;

 private:
  struct Session;
  struct PendingStart {
    CamTarget target;
    CamMode mode = CamMode::kNormal;
    int64_t at = 0;
    Bytes announce;  // the announcement that triggered it, verified once CHK arrives
  };

  // cam_announce.cc
  void OnRcasAnnounce(ByteView message, const protocol::Header& h, int64_t now_ms);
  void OnRcasRenewal(ByteView message, const protocol::Header& h, int64_t now_ms);
  void Trigger(PendingStart start, int64_t now_ms, int64_t delay_ms, std::string_view why);
  bool UpdateAvailable(const protocol::RcasAnnounceContent& a) const;
  void VerifyTriggerAnnounce();

  // cam_keying.cc
  void SendKeyRequest(int64_t now_ms);
  void SendKeyRegRequest(int64_t now_ms);
  void OnKeyResponse(ByteView message, int64_t now_ms);
  void OnKeyRegResponse(ByteView message, int64_t now_ms);
  void OnCamRegConfirm(ByteView message, int64_t now_ms);
  // SendFirstRequest signs `content` as `type` with the CAM key (§9.4) and sends it as the
  // session's first request (nonce #1 or #5), then waits in `next`.
  template <protocol::Content T>
  void SendFirstRequest(protocol::MessageType type, const T& content, CamPhase next,
                        int64_t now_ms);
  // CheckResponse runs CheckCassResponse (tools/cam_checks.h) on a KeyResponse /
  // KeyRegResponse with this session's expectations, tracing each check.
  template <typename Checked>
  uint8_t CheckResponse(ByteView message, Checked* out, int64_t now_ms);

  // cam_renewal.cc
  void OnRenewInfo(ByteView message, const protocol::Header& h, int64_t now_ms);
  void OnLogRequest(ByteView message, const protocol::Header& h, int64_t now_ms);
  void FinishDownload(int64_t now_ms);
  void Install(uint8_t renew_client_type);
  // OpenCassRequest opens and decodes a RenewInfo / LogRequest of this session into *out (views
  // *plain) and answers its failures (§23.1, §23.2, §23.9, §23.20); false if the message was
  // dropped or the session ended. Defined and used in cam_renewal.cc.
  template <protocol::Content T>
  bool OpenCassRequest(ByteView message, const protocol::Header& h, Bytes* plain, T* out,
                       int64_t now_ms);
  bool AnswerDuplicate(ByteView message, const protocol::Header& h);

  // cam_machine.cc
  void Begin(const PendingStart& start, int64_t now_ms);
  void OnStatus(ByteView message, const protocol::Header& h, int64_t now_ms);
  void SendRequest(Bytes message, protocol::MessageType type, int64_t now_ms);
  void SendOnce(ByteView message, protocol::MessageType type, uint64_t nonce);
  void SendUnkeyedStatus(uint8_t code, uint64_t nonce);
  // SendKeyedStatus returns what it sent (empty if it could not seal), for the answer cache.
  Bytes SendKeyedStatus(uint8_t code, uint64_t nonce, ByteView session_id);
  // SealKeyed seals DER content `der` with the session keys (§9.2); empty on failure.
  Bytes SealKeyed(protocol::MessageType type, uint64_t nonce, ByteView der);
  void Established(int64_t now_ms);
  // BackoffRule: how long to wait after a failed session (§14.1, §14.2).
  enum class BackoffRule : uint8_t { kExponential, kAtLeastHour, kBusy };
  void EndSession(int64_t now_ms, bool failed, std::string_view why,
                  BackoffRule rule = BackoffRule::kExponential);
  void Drop(std::string_view why);
  void Trace(const std::string& line);
  uint64_t FreshNonce();
  // Jitter draws a delay in 0..max_ms scaled by config_.jitter and config_.time_scale.
  int64_t Jitter(int64_t max_ms);

  CamIdentity id_;
  CamConfig config_;
  CamPersistentState state_;
  CamIo& io_;
  std::string name_;
  CamStats stats_;
  CamPhase phase_ = CamPhase::kIdle;
  std::unique_ptr<Session> session_;
  std::optional<PendingStart> pending_;
  std::optional<PendingStart> fixed_;  // StartSession's target, retried after failures
  int64_t backoff_until_ = 0;
  uint32_t failures_ = 0;                      // consecutive failed sessions (§14.2)
  std::optional<int64_t> last_stale_trigger_;  // CHK_STALE rate limit (§15.1)
  uint64_t last_update_trigger_ = 0;           // announcement counter that last triggered an update
  std::optional<protocol::RcasAnnounceContent> offer_;  // views offer_bytes_
  Bytes offer_bytes_;  // last verified RCASAnnounce of the current CASS
  std::mt19937_64 rng_;
  uint64_t downloads_ = 0;  // numbers the RenewInfos served, for OnImageFetched
};

}  // namespace rcas::tools
