// LoadGenerator's hostile traffic (tools/loadgen.h, HostileKind): each genuine session start
// may draw a bad signature, a malformed first request or garbage; each genuine CAM's first
// registration may draw a replay of its first request or a clone of itself. Every attack comes
// from a flow of its own and is scored against the answer PROFILE §14 prescribes.

#include <algorithm>
#include <cstring>

#include "crypto/random.h"
#include "protocol/content.h"
#include "protocol/protect.h"
#include "tools/loadgen_cam.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

constexpr size_t kNonceAt = 6;  // header: type(2) length(4) nonce(8) ... (§3)

}  // namespace

void LoadGenerator::MaybeAttack(uint32_t cam, bool at_start, int64_t now_us) {
  std::uniform_real_distribution<double> draw(0.0, 1.0);
  const Cam& c = cams_[cam];
  if (cam >= genuine_ || c.sessions != 1 || presigned_at_.empty()) {
    return;  // attacks are built from a CAM's presigned first request
  }
  const ByteView first(presigned_.data() + presigned_at_[cam],
                       presigned_at_[cam + 1] - presigned_at_[cam]);
  const auto chance = [&](HostileKind k) {
    return o_.hostile[size_t(k)] > 0 && draw(rng_) < o_.hostile[size_t(k)];
  };
  if (at_start) {
    if (chance(HostileKind::kBadSignature)) {
      // A fresh nonce and sessionID under the old signature: it cannot verify (§9.4).
      Bytes m(first.begin(), first.end());
      StoreBe64(m.data() + kNonceAt, crypto::RandomU64());
      const auto at = std::search(m.begin() + protocol::kHeaderLen, m.end(), c.session_id.begin(),
                                  c.session_id.end());
      if (at != m.end()) {
        crypto::RandomBytes(MutableByteView(&*at, c.session_id.size()));
      }
      m.back() ^= 0x01;
      LaunchActor(HostileKind::kBadSignature, cam, std::move(m), now_us);
    }
    if (chance(HostileKind::kMalformed)) {
      Bytes m(first.begin(), first.end());
      StoreBe64(m.data() + kNonceAt, crypto::RandomU64());
      m[protocol::kHeaderLen] = 0x31;  // SET instead of the content's SEQUENCE: bad DER
      LaunchActor(HostileKind::kMalformed, cam, std::move(m), now_us);
    }
    if (chance(HostileKind::kGarbage)) {
      Bytes m(std::uniform_int_distribution<size_t>(1, 200)(rng_));
      crypto::RandomBytes(m);
      m[0] = 0xEE;  // no RCAS type starts with 0xEE: fails the header checks (§3)
      LaunchActor(HostileKind::kGarbage, cam, std::move(m), now_us);
    }
    return;
  }
  if (chance(HostileKind::kReplay)) {
    LaunchActor(HostileKind::kReplay, cam, Bytes(first.begin(), first.end()), now_us);
  }
  if (chance(HostileKind::kClone) && cams_.size() < cams_.capacity() && !free_flows_.empty()) {
    Cam clone;
    clone.identity = c.identity;
    clone.clone = true;
    clone.sessions = 0;
    cams_.push_back(clone);
    ++clones_live_;
    StartSession(uint32_t(cams_.size() - 1), now_us);
  }
}

void LoadGenerator::LaunchActor(HostileKind kind, uint32_t cam, Bytes message, int64_t now_us) {
  (void)cam;
  if (free_flows_.empty()) {
    return;
  }
  uint32_t a = 0;
  if (!free_actors_.empty()) {
    a = free_actors_.back();
    free_actors_.pop_back();
  } else {
    a = uint32_t(actors_.size());
    actors_.emplace_back();
  }
  Actor& actor = actors_[a];
  actor.kind = kind;
  actor.live = true;
  actor.flow = free_flows_.back();
  free_flows_.pop_back();
  actor.nonce = message.size() >= protocol::kHeaderLen ? LoadBe64(message.data() + kNonceAt) : 0;
  actor.deadline_us = now_us + o_.hostile_wait_ms * 1000;
  flow_owner_[actor.flow] = a | kActorBit;
  ++report_.hostile[size_t(kind)].sent;
  transport_.Send(actor.flow, message);
  actor_fifo_.push_back(a);
}

// OnActorDatagram scores the first answer an attack gets.
void LoadGenerator::OnActorDatagram(uint32_t a, ByteView message, int64_t now_us) {
  (void)now_us;
  Actor& actor = actors_[a];
  if (!actor.live) {
    return;
  }
  protocol::Header h;
  protocol::HeaderError he;
  if (protocol::CheckMessageFrame(message, &h, &he) != protocol::ProtectError::kOk) {
    return Score(a, false, "unframed answer");
  }
  if (h.type == MessageType::kStatus) {
    protocol::OpenedMessage opened;
    protocol::StatusContent status;
    if (protocol::Open(protocol::kUnkeyedStatus, message, {}, {}, &opened) !=
            protocol::ProtectError::kOk ||
        protocol::Decode(opened.content, &status) != protocol::DecodeError::kNone) {
      return Score(a, false, "Status that does not verify");
    }
    const uint8_t code = status.status_info;
    const bool expected =
        h.nonce == actor.nonce && ((actor.kind == HostileKind::kBadSignature && code == 0x05) ||
                                   (actor.kind == HostileKind::kMalformed && code == 0x81) ||
                                   (actor.kind == HostileKind::kReplay && code == 0x82));
    return Score(a, expected, "status 0x" + ToHex(ByteView(&code, 1)));
  }
  const MessageType answer = o_.fast ? MessageType::kKeyRegResponse : MessageType::kKeyResponse;
  if (actor.kind == HostileKind::kReplay && h.type == answer && h.nonce == actor.nonce) {
    return Score(a, true, "cached answer");  // §5.5: only the CAM can open it
  }
  Score(a, false, std::string(protocol::MessageTypeName(h.type)));
}

void LoadGenerator::ExpireActors(int64_t now_us) {
  while (!actor_fifo_.empty()) {
    const uint32_t a = actor_fifo_.front();
    if (actors_[a].live && actors_[a].deadline_us > now_us) {
      return;
    }
    actor_fifo_.pop_front();
    if (actors_[a].live) {
      Score(a, actors_[a].kind == HostileKind::kGarbage, "silence");
    }
    free_actors_.push_back(a);  // only now: an actor is in the queue once
  }
}

// Score records an attack's outcome; `a` is an actor (its flow is freed) or kNone for a clone,
// which EndSession counts.
void LoadGenerator::Score(uint32_t a, bool expected, const std::string& outcome) {
  HostileKind kind = HostileKind::kClone;
  if (a != kNone) {
    Actor& actor = actors_[a];
    kind = actor.kind;
    actor.live = false;
    flow_owner_[actor.flow] = kNone;
    free_flows_.push_back(actor.flow);
  }
  HostileScore& s = report_.hostile[size_t(kind)];
  ++(expected ? s.expected : s.unexpected);
  ++s.outcomes[outcome];
}

}  // namespace rcas::tools
