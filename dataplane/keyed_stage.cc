#include "dataplane/keyed_stage.h"

#include "protocol/content.h"
#include "protocol/flow_keys.h"
#include "protocol/framing.h"

namespace rcas::dataplane {
namespace {

using protocol::MessageType;

// SentByCam: the types a CAM sends to the CASS (J.1003 Table 2); anything else from a CAM's
// port is dropped here.
bool SentByCam(MessageType t) {
  switch (t) {
    case MessageType::kKeyRequest:
    case MessageType::kCamReg:
    case MessageType::kRenewConfirm:
    case MessageType::kPurchaseReport:
    case MessageType::kStatus:
    case MessageType::kLogResponse:
    case MessageType::kKeyRegRequest:
      return true;
    default:
      return false;
  }
}

// Decodes: `content` is one valid T (PROFILE §7); the views are dropped, control decodes again
// from the same octets off the hot path.
template <typename T>
bool Decodes(ByteView content) {
  T value;
  return protocol::Decode(content, &value) == protocol::DecodeError::kNone;
}

// ContentValid decodes the plaintext of an opened CAM -> CASS type.
bool ContentValid(MessageType t, ByteView content) {
  switch (t) {
    case MessageType::kCamReg:
      return Decodes<protocol::CamRegContent>(content);
    case MessageType::kRenewConfirm:
      return Decodes<protocol::RenewConfirmContent>(content);
    case MessageType::kPurchaseReport:
      return Decodes<protocol::PurchaseReportContent>(content);
    case MessageType::kLogResponse:
      return Decodes<protocol::LogResponseContent>(content);
    default:
      return false;
  }
}

// PrefetchKeys starts loading every line of the context the burst reads (schedules, HMAC
// states, IV base), so the lines arrive while the rest of the burst is looked up.
void PrefetchKeys(const crypto::KeyContext* keys) {
  const auto* p = reinterpret_cast<const char*>(keys);
  for (size_t off = 0; off < sizeof(crypto::KeyContext); off += 64) {
    __builtin_prefetch(p + off);
  }
}

// KeysFor is FlowKeys::For(t) for a CAM -> CASS keyed type, read without FlowKeys::has_full:
// that flag sits alone on the entry's last cache line, while each context's flags share a line
// with its outer HMAC state, which the burst reads anyway. A flow without MEK has `full` wiped
// (MakeFlowKeys, FlowTable::Remove).
const crypto::KeyContext* KeysFor(const protocol::FlowKeys& k, MessageType t) {
  if (!protocol::IsEncrypted(t)) {
    return k.mac_only.has_mac_key() ? &k.mac_only : nullptr;
  }
  return k.full.has_mac_key() && k.full.has_cipher_key() ? &k.full : nullptr;
}

KeyedVerdict FromBurst(crypto::BurstVerdict v) {
  switch (v) {
    case crypto::BurstVerdict::kBadMac:
      return KeyedVerdict::kBadMac;
    case crypto::BurstVerdict::kBadPadding:
      return KeyedVerdict::kBadPadding;
    default:
      // kBadLength and kBadKey cannot follow the framing and key checks made before the
      // burst; like kEngineError they are bugs, counted and dropped.
      return KeyedVerdict::kEngineError;
  }
}

}  // namespace

KeyedStage::KeyedStage(FlowTable& flows, crypto::MbArch arch) : flows_(flows), mb_(arch) {}

void KeyedStage::Process(std::span<KeyedInput> in, std::span<KeyedOutput> out) noexcept {
  for (size_t done = 0; done < in.size(); done += kMaxBurst) {
    const size_t n = in.size() - done < kMaxBurst ? in.size() - done : kMaxBurst;
    ProcessChunk(in.subspan(done, n), out.subspan(done, n));
  }
}

void KeyedStage::ProcessChunk(std::span<KeyedInput> in, std::span<KeyedOutput> out) noexcept {
  // Pass 1: framing and type; hash and prefetch the slot of every message to be opened here.
  for (size_t i = 0; i < in.size(); ++i) {
    KeyedOutput& o = out[i];
    o = KeyedOutput{};
    protocol::Header h;
    if (protocol::CheckUdpDatagram(ByteView(in[i].msg, in[i].len), &h) !=
        protocol::FrameError::kOk) {
      continue;  // kBadFrame
    }
    o.type = h.type;
    if (!SentByCam(h.type)) {
      o.verdict = KeyedVerdict::kUnexpectedType;
    } else if (!protocol::OpenedByDataplane(h.type)) {
      o.verdict = KeyedVerdict::kRaw;
      o.plain_len = in[i].len;
    } else {
      o.verdict = KeyedVerdict::kOpened;  // provisional: a lookup is pending
      hashes_[i] = flows_.Hash(in[i].source);
      flows_.Prefetch(hashes_[i]);
    }
  }
  // Pass 2: find the flows and prefetch their entries and keys, all before the first entry is
  // read, so that the burst's misses overlap instead of stalling one flow at a time.
  const FlowEntry* found[kMaxBurst];
  for (size_t i = 0; i < in.size(); ++i) {
    if (out[i].verdict != KeyedVerdict::kOpened) {
      continue;
    }
    found[i] = flows_.Find(in[i].source, hashes_[i]);
    if (found[i] != nullptr) {
      __builtin_prefetch(&found[i]->session);
      PrefetchKeys(protocol::IsEncrypted(out[i].type) ? &found[i]->keys.full
                                                      : &found[i]->keys.mac_only);
    }
  }
  // Pass 3: gather one open job per keyed message.
  size_t jobs = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    KeyedOutput& o = out[i];
    if (o.verdict != KeyedVerdict::kOpened) {
      continue;
    }
    const FlowEntry* flow = found[i];
    const crypto::KeyContext* keys = flow != nullptr ? KeysFor(flow->keys, o.type) : nullptr;
    if (flow != nullptr) {
      o.session = flow->session;
    }
    if (keys == nullptr) {
      o.verdict = KeyedVerdict::kRaw;  // no flow, or not keyed for this type yet (§11)
      o.plain_len = in[i].len;
      continue;
    }
    crypto::OpenJob& job = jobs_[jobs++];
    job = crypto::OpenJob{};
    job.keys = keys;
    job.msg = in[i].msg;
    job.len = in[i].len;
    job.encrypted = protocol::IsEncrypted(o.type);
    job.user = i;
  }
  // One burst: every MAC first, then the survivors decrypted in place.
  crypto::OpenBurst(mb_, std::span(jobs_.data(), jobs));
  for (size_t k = 0; k < jobs; ++k) {
    const crypto::OpenJob& job = jobs_[k];
    KeyedOutput& o = out[job.user];
    if (job.verdict == crypto::BurstVerdict::kOk) {
      o.plain_offset = protocol::kHeaderLen;
      o.plain_len = job.plain_len;
      if (!ContentValid(o.type, ByteView(job.msg + protocol::kHeaderLen, job.plain_len))) {
        o.verdict = KeyedVerdict::kContentInvalid;
      }
    } else {
      o.verdict = FromBurst(job.verdict);
      o.plain_len = o.verdict == KeyedVerdict::kBadMac ? job.len : 0;
    }
  }
  for (size_t i = 0; i < in.size(); ++i) {
    ++counters_[static_cast<size_t>(out[i].verdict)];
  }
}

}  // namespace rcas::dataplane
