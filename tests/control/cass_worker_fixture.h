#pragma once
// CassWorkerFixture: CassFixture plus what a dataplane worker keeps and does (issue 5): a flow
// table fed by CassEngineConfig::on_keys and emptied by on_session_end, and the worker's open of
// a keyed CAM message (IPsec-MB, crypto/burst.h) handed to CassEngine::OnOpened.

#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/burst.h"
#include "crypto/mb_manager.h"
#include "protocol/flow_keys.h"
#include "tests/control/cass_engine_peer.h"
#include "tests/control/cass_fixture.h"

namespace rcas::control::testing {

inline constexpr protocol::MessageType kOpenedTypes[] = {
    protocol::MessageType::kCamReg, protocol::MessageType::kRenewConfirm,
    protocol::MessageType::kPurchaseReport, protocol::MessageType::kLogResponse};

inline protocol::MessageType TypeOf(ByteView m) {
  return static_cast<protocol::MessageType>(LoadBe16(m.data()));
}
inline uint64_t NonceOf(ByteView m) { return LoadBe64(m.data() + 6); }

inline protocol::ProtectError FromBurst(crypto::BurstVerdict v) {
  switch (v) {
    case crypto::BurstVerdict::kOk:
      return protocol::ProtectError::kOk;
    case crypto::BurstVerdict::kBadMac:
      return protocol::ProtectError::kBadMac;
    case crypto::BurstVerdict::kBadPadding:
      return protocol::ProtectError::kBadPadding;
    default:
      ADD_FAILURE() << crypto::BurstVerdictName(v);
      return protocol::ProtectError::kBadFraming;
  }
}

// Flow is one entry of a worker's flow table.
struct Flow {
  uint64_t session = 0;
  protocol::FlowKeys keys;
};

class CassWorkerFixture : public CassFixture {
 protected:
  // Start makes the engine and keeps a flow table the way a dataplane does. log_ records the
  // order of key updates ("keys ik", "keys ik+mek", "keys full", with what was queued to send
  // at that moment) and of what the test took from TakeOutput ("out <type>").
  void Start() {
    MakeEngine();
    CassEngineConfig& c = CassEnginePeer::config(*engine_);
    c.on_keys = [this](const CassSession& s) {
      Flow& f = flows_[s.peer];
      f.session = s.id;
      EXPECT_TRUE(protocol::MakeFlowKeys(*s.keys, &f.keys).ok());
      std::string entry = f.keys.has_full            ? "keys full"
                          : s.keys->mek() != nullptr ? "keys ik+mek"
                                                     : "keys ik";
      for (const OutMessage& m : CassEnginePeer::queued(*engine_)) {
        entry += m.bytes.empty()
                     ? " queued:close"
                     : " queued:" + std::string(protocol::MessageTypeName(TypeOf(m.bytes)));
      }
      log_.push_back(entry);
      history_.push_back(f);
    };
    c.on_session_end = [this](const CassSession& s, bool) {
      auto it = flows_.find(s.peer);
      if (it != flows_.end() && it->second.session == s.id) {
        flows_.erase(it);
      }
    };
  }
  void Restart() {
    engine_.reset();
    ac_.reset();
    flows_.clear();
    history_.clear();
    log_.clear();
    Start();
  }

  std::vector<OutMessage> Logged(std::vector<OutMessage> out) {
    for (const OutMessage& m : out) {
      log_.push_back("out " + std::string(protocol::MessageTypeName(TypeOf(m.bytes))));
    }
    return out;
  }

  // WorkerWith is a dataplane worker's part for one message: IPsec-MB open under `flow` on its
  // own copy (decrypted in place), then OnOpened with the header, or the whole message for
  // CAMReg and bad MACs.
  std::vector<OutMessage> WorkerWith(const Flow& flow, const PeerRef& peer, ByteView message,
                                     size_t n = 0) {
    const protocol::MessageType type = TypeOf(message);
    const crypto::KeyContext* keys = flow.keys.For(type);
    if (keys == nullptr) {
      ADD_FAILURE() << "no flow keys for " << protocol::MessageTypeName(type);
      return {};
    }
    copy_.assign(message.begin(), message.end());
    crypto::OpenJob job;
    job.keys = keys;
    job.msg = copy_.data();
    job.len = static_cast<uint32_t>(copy_.size());
    job.encrypted = protocol::IsEncrypted(type);
    last_verdict_ = crypto::Open(mb_, job);
    PreOpened pre;
    pre.session = flow.session;
    pre.verdict = FromBurst(last_verdict_);
    pre.content = ByteView(copy_.data() + protocol::kHeaderLen, job.plain_len);
    const bool whole = !job.encrypted || last_verdict_ == crypto::BurstVerdict::kBadMac;
    engine_->OnOpened(peer, ByteView(copy_.data(), whole ? copy_.size() : protocol::kHeaderLen),
                      pre, now_ms_);
    std::vector<OutMessage> out;
    engine_->TakeOutput(out);
    if (out.size() < n) {
      auto more = Pump(n - out.size());
      out.insert(out.end(), more.begin(), more.end());
    }
    return Logged(std::move(out));
  }
  std::vector<OutMessage> Worker(const PeerRef& peer, ByteView message, size_t n = 0) {
    auto it = flows_.find(peer);
    if (it == flows_.end()) {
      ADD_FAILURE() << "no flow";
      return {};
    }
    return WorkerWith(it->second, peer, message, n);
  }
  // Feed is the kernel path (OnMessage) or the worker's (OnOpened).
  std::vector<OutMessage> Feed(bool via_worker, const PeerRef& peer, ByteView message,
                               size_t n = 0) {
    return via_worker ? Worker(peer, message, n) : Logged(SendAndPump(peer, message, n));
  }

  // ExpectFlowOpens checks `flow` against the CAM's keys for every keyed CAM -> CASS type, both
  // ways: a SealBurst message opens with protocol::Open (and is byte-identical to
  // protocol::Seal), a protocol::Seal message opens with OpenBurst.
  void ExpectFlowOpens(const protocol::FlowKeys& flow, const protocol::SessionKeys& cam,
                       bool full) {
    const Bytes content(37, 0x5A);
    for (protocol::MessageType t : kOpenedTypes) {
      SCOPED_TRACE(protocol::MessageTypeName(t));
      const bool encrypted = protocol::IsEncrypted(t);
      const crypto::KeyContext* ctx = flow.For(t);
      if (encrypted && !full) {
        EXPECT_EQ(ctx, nullptr);  // MEK-IV not known yet: the control thread would see it
        continue;
      }
      ASSERT_NE(ctx, nullptr);
      const uint64_t nonce = crypto::RandomU64();
      Bytes msg(crypto::SealedSize(content.size(), encrypted));
      const size_t wire = encrypted ? crypto::PaddedSize(content.size()) : content.size();
      protocol::WriteHeader(protocol::MakeHeader(t, wire, nonce), msg.data());
      std::copy(content.begin(), content.end(), msg.begin() + protocol::kHeaderLen);
      crypto::SealJob seal;
      seal.keys = ctx;
      seal.msg = msg.data();
      seal.capacity = static_cast<uint32_t>(msg.size());
      seal.plain_len = static_cast<uint32_t>(content.size());
      seal.encrypt = encrypted;
      ASSERT_EQ(crypto::SealBurst(mb_, std::span(&seal, 1)), 1u);
      msg.resize(seal.sealed_len);
      Bytes plain(msg.size());
      protocol::OpenedMessage opened;
      ASSERT_EQ(protocol::Open(protocol::ProtectionOf(t), msg, {nullptr, &cam}, plain, &opened),
                protocol::ProtectError::kOk);
      EXPECT_EQ(Bytes(opened.content.begin(), opened.content.end()), content);
      auto sealed =
          protocol::SealToBytes(protocol::ProtectionOf(t), nonce, content, {nullptr, &cam});
      ASSERT_TRUE(sealed.ok());
      EXPECT_EQ(*sealed, msg);
      crypto::OpenJob open;
      open.keys = ctx;
      open.msg = sealed->data();
      open.len = static_cast<uint32_t>(sealed->size());
      open.encrypted = encrypted;
      ASSERT_EQ(crypto::Open(mb_, open), crypto::BurstVerdict::kOk);
      EXPECT_EQ(Bytes(sealed->data() + protocol::kHeaderLen,
                      sealed->data() + protocol::kHeaderLen + open.plain_len),
                content);
    }
  }

  std::unordered_map<PeerRef, Flow, PeerRefHash> flows_;
  std::vector<Flow> history_;  // every on_keys, in order
  std::vector<std::string> log_;
  crypto::MbManager mb_;
  Bytes copy_;
  crypto::BurstVerdict last_verdict_ = crypto::BurstVerdict::kOk;
};

}  // namespace rcas::control::testing
