// CamMachine: session start, dispatch of the CASS's messages, retransmission and the other
// timers (§5.5, §15.2), sending. Status and the end of a session are in cam_status.cc.

#include "tools/cam_machine.h"

#include <algorithm>
#include <cstdio>

#include "crypto/random.h"
#include "protocol/framing.h"
#include "protocol/protect.h"
#include "tools/cam_session.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

constexpr int kUdpRetransmissions = 4;  // 2, 4, 8, 16 s, then a final 32 s (§5.5)

std::string NonceText(uint64_t nonce) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(nonce));
  return buf;
}

}  // namespace

std::string_view CamPhaseName(CamPhase phase) {
  switch (phase) {
    case CamPhase::kIdle:
      return "IDLE";
    case CamPhase::kWaitKeyResponse:
      return "W_KEYRSP";
    case CamPhase::kWaitRegConfirm:
      return "W_REGCNF";
    case CamPhase::kWaitKeyRegResponse:
      return "W_KEYREGRSP";
    case CamPhase::kEstablished:
      return "ESTABLISHED";
    case CamPhase::kDownloading:
      return "DOWNLOADING";
  }
  return "?";
}

bool CamMachine::Session::UsedNonce(uint64_t n) const {
  return std::find(nonces.begin(), nonces.end(), n) != nonces.end();
}

const CamAnswered* CamMachine::Session::Answered(MessageType type, uint64_t nonce) const {
  for (const CamAnswered& a : answered) {
    if (a.type == type && a.nonce == nonce) {
      return &a;
    }
  }
  return nullptr;
}

CamMachine::CamMachine(CamIdentity identity, CamConfig config, CamPersistentState state, CamIo& io)
    : id_(std::move(identity)),
      config_(std::move(config)),
      state_(std::move(state)),
      io_(io),
      name_(ToHex(id_.record.cam_id)),
      rng_(crypto::RandomU64()) {}

CamMachine::~CamMachine() = default;

void CamMachine::StartSession(const CamTarget& target, CamMode mode, int64_t now_ms) {
  fixed_ = PendingStart{target, mode, now_ms, {}};
  Trigger(*fixed_, now_ms, 0, "command line");
}

bool CamMachine::Done() const {
  return fixed_.has_value() && phase_ == CamPhase::kIdle && !pending_.has_value();
}

void CamMachine::Trigger(PendingStart start, int64_t now_ms, int64_t delay_ms,
                         std::string_view why) {
  if (session_ != nullptr) {
    return;  // one session at a time (§15.1 "no session running")
  }
  start.at = std::max(now_ms + delay_ms, backoff_until_);
  if (pending_ && pending_->at <= start.at) {
    return;
  }
  Trace("trigger " + std::string(why) + ", session in " + std::to_string(start.at - now_ms) +
        " ms");
  pending_ = std::move(start);
}

void CamMachine::Begin(const PendingStart& start, int64_t now_ms) {
  session_ = std::make_unique<Session>();
  Session& s = *session_;
  s.mode = start.mode;
  s.target = start.target;
  s.announce = start.announce;
  crypto::RandomBytes(s.id);
  ++stats_.sessions;
  Trace("session " + ToHex(s.id) + (s.mode == CamMode::kFast ? " fast" : " normal") + " to " +
        s.target.address + ":" + std::to_string(s.target.port) +
        (s.target.transport == CamTransport::kTcp ? " TCP" : " UDP"));
  io_.OpenSession(s.target);
  if (session_ == nullptr) {
    return;  // the transport failed at once
  }
  if (s.mode == CamMode::kFast) {
    SendKeyRegRequest(now_ms);
  } else {
    SendKeyRequest(now_ms);
  }
}

void CamMachine::OnMessage(ByteView message, int64_t now_ms) {
  protocol::Header h;
  if (session_ == nullptr) {
    Drop("no session");
    return;
  }
  if (protocol::CheckFramedMessage(message, &h) != protocol::FrameError::kOk) {
    Drop("framing");  // §14.2: no Status
    return;
  }
  const Session& s = *session_;
  switch (h.type) {
    case MessageType::kKeyResponse:
      if (phase_ == CamPhase::kWaitKeyResponse && h.nonce == s.first_nonce) {
        return OnKeyResponse(message, now_ms);
      }
      return Drop(h.nonce == s.first_nonce ? "duplicate KeyResponse" : "unexpected KeyResponse");
    case MessageType::kKeyRegResponse:
      if (phase_ == CamPhase::kWaitKeyRegResponse && h.nonce == s.first_nonce) {
        return OnKeyRegResponse(message, now_ms);
      }
      return Drop("unexpected KeyRegResponse");
    case MessageType::kCamRegConfirm:
      if (phase_ == CamPhase::kWaitRegConfirm && h.nonce == s.reg_nonce) {
        return OnCamRegConfirm(message, now_ms);
      }
      return Drop("unexpected CAMRegConfirm");
    case MessageType::kRenewInfo:
      return OnRenewInfo(message, h, now_ms);
    case MessageType::kLogRequest:
      return OnLogRequest(message, h, now_ms);
    case MessageType::kStatus:
      return OnStatus(message, h, now_ms);
    default:
      return Drop("unexpected " + std::string(protocol::MessageTypeName(h.type)));
  }
}

void CamMachine::OnTransportClosed(int64_t now_ms) {
  if (session_ == nullptr) {
    return;
  }
  // An established session closed by the CASS ends normally (§15.2); earlier it is a failure.
  const bool established = phase_ == CamPhase::kEstablished;
  EndSession(now_ms, !established || session_->degraded, "transport closed");
}

void CamMachine::OnTimer(int64_t now_ms) {
  if (session_ == nullptr && pending_ && now_ms >= pending_->at) {
    const PendingStart start = std::move(*pending_);
    pending_.reset();
    Begin(start, now_ms);
    return;
  }
  if (session_ == nullptr) {
    return;
  }
  Session& s = *session_;
  if (s.give_up_at != 0 && now_ms >= s.give_up_at) {
    ++stats_.timeouts;
    Trace("timeout waiting for the answer to " +
          std::string(protocol::MessageTypeName(s.outstanding_type)));
    return EndSession(now_ms, true, "timeout");
  }
  if (s.retransmit_at != 0 && now_ms >= s.retransmit_at) {
    ++s.retransmissions;
    ++stats_.retransmissions;
    Trace("retransmit " + std::string(protocol::MessageTypeName(s.outstanding_type)) + " #" +
          std::to_string(s.retransmissions));
    io_.Send(s.outstanding);  // byte-identical (§5.5)
    s.interval_ms *= 2;
    s.retransmit_at = s.retransmissions < kUdpRetransmissions ? now_ms + s.interval_ms : 0;
  }
  if (phase_ == CamPhase::kEstablished && s.idle_at != 0 && now_ms >= s.idle_at) {
    EndSession(now_ms, s.degraded, "idle");
  }
}

std::optional<int64_t> CamMachine::NextDeadline() const {
  std::optional<int64_t> next;
  const auto consider = [&next](int64_t t) {
    if (t != 0 && (!next || t < *next)) {
      next = t;
    }
  };
  if (session_ == nullptr) {
    if (pending_) {
      next = pending_->at;
    }
    return next;
  }
  consider(session_->give_up_at);
  consider(session_->retransmit_at);
  if (phase_ == CamPhase::kEstablished) {
    consider(session_->idle_at);
  }
  return next;
}

void CamMachine::SendRequest(Bytes message, MessageType type, int64_t now_ms) {
  Session& s = *session_;
  s.outstanding = std::move(message);
  s.outstanding_type = type;
  s.retransmissions = 0;
  const bool key_request = type == MessageType::kKeyRequest || type == MessageType::kKeyRegRequest;
  if (s.target.transport == CamTransport::kUdp) {
    s.interval_ms = config_.Scaled(config_.udp_first_retransmit_ms);
    s.retransmit_at = now_ms + s.interval_ms;
    s.give_up_at = now_ms + 31 * s.interval_ms;  // 2+4+8+16 s + 32 s = 62 s
  } else {
    s.retransmit_at = 0;
    s.give_up_at =
        now_ms + config_.Scaled(key_request ? config_.tcp_key_timeout_ms : config_.tcp_timeout_ms);
  }
  const protocol::Header h = [&] {
    protocol::Header out;
    (void)protocol::ParseHeader(s.outstanding, &out);
    return out;
  }();
  SendOnce(s.outstanding, type, h.nonce);
}

void CamMachine::SendOnce(ByteView message, MessageType type, uint64_t nonce) {
  Trace("-> " + std::string(protocol::MessageTypeName(type)) + " nonce=" + NonceText(nonce) + " " +
        std::to_string(message.size()) + " B");
  io_.Send(message);
}

Bytes CamMachine::SealKeyed(MessageType type, uint64_t nonce, ByteView der) {
  auto sealed =
      protocol::SealToBytes(protocol::ProtectionOf(type), nonce, der, {nullptr, &*session_->keys});
  return sealed ? std::move(*sealed) : Bytes();
}

void CamMachine::Established(int64_t now_ms) {
  Session& s = *session_;
  s.give_up_at = 0;
  s.retransmit_at = 0;
  s.idle_at = now_ms + config_.Scaled(config_.idle_ms);
  phase_ = CamPhase::kEstablished;
  ++stats_.registered;
  Trace("session " + ToHex(s.id) + " ESTABLISHED");
}

void CamMachine::Drop(std::string_view why) {
  ++stats_.dropped;
  Trace("drop: " + std::string(why));
}

void CamMachine::Trace(const std::string& line) { io_.Trace("cam " + name_ + " " + line); }

uint64_t CamMachine::FreshNonce() {
  uint64_t n = crypto::RandomU64();
  while (session_->UsedNonce(n)) {
    n = crypto::RandomU64();
  }
  session_->nonces.push_back(n);
  return n;
}

int64_t CamMachine::Jitter(int64_t max_ms) {
  if (config_.jitter <= 0 || max_ms <= 0) {
    return 0;
  }
  const auto scaled =
      static_cast<int64_t>(static_cast<double>(max_ms) * config_.jitter * config_.time_scale);
  return std::uniform_int_distribution<int64_t>(0, scaled)(rng_);
}

}  // namespace rcas::tools
