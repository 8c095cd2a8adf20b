// KeyedStage against the one-shot OpenSSL path: messages are sealed with protocol::Seal (an
// independent implementation of PROFILE §9) and the stage must open, classify and count each.

#include "dataplane/keyed_stage.h"

#include <gtest/gtest.h>

#include <vector>

#include "crypto/hash.h"
#include "protocol/content.h"
#include "protocol/protect.h"

namespace rcas::dataplane {
namespace {

using protocol::MessageType;
using V = KeyedVerdict;

template <size_t N>
crypto::SecretArray<N> Filled(uint8_t base) {
  crypto::SecretArray<N> s;
  for (size_t i = 0; i < N; ++i) {
    s[i] = static_cast<uint8_t>(base + 3 * i);
  }
  return s;
}

FlowKey V4(uint32_t addr, uint16_t port) {
  FlowKey k;
  StoreBe32(k.addr.data(), addr);
  k.port = port;
  return k;
}

constexpr uint8_t kSid[protocol::kSessionIdLen] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
constexpr uint8_t kFill[64] = {0x11, 0x22, 0x33};

template <typename T>
Bytes Der(const T& value) {
  Bytes out;
  EXPECT_TRUE(protocol::Encode(value, &out));
  return out;
}

// ContentOf is a valid DER content of each CAM -> CASS keyed type (PROFILE §7.4).
Bytes ContentOf(MessageType t) {
  const ByteView sid(kSid);
  switch (t) {
    case MessageType::kCamReg:
      return Der(protocol::CamRegContent{sid, ByteView(kFill, 16), ByteView(kFill, 40),
                                         ByteView(kFill, 4), ByteView(kFill, 4),
                                         ByteView(kFill, 20)});
    case MessageType::kRenewConfirm:
      return Der(protocol::RenewConfirmContent{sid, true});
    case MessageType::kPurchaseReport:
      return Der(protocol::PurchaseReportContent{sid, ByteView(kFill, 33)});
    case MessageType::kStatus:
      return Der(protocol::StatusContent{sid, 0x04});
    case MessageType::kRenewInfo: {
      protocol::RenewInfoContent c;
      c.session_id = sid;
      c.client_type = 1;
      c.image_flag = 1;
      c.image_info[0].tm = 1;
      c.image_count = 1;
      c.hashed_ccci = ByteView(kFill, 20);
      c.hashed_icci = ByteView(kFill, 20);
      return Der(c);
    }
    default:
      return Der(protocol::LogResponseContent{sid, ByteView(kFill, 50)});
  }
}

Bytes SealWith(const protocol::SessionKeys& keys, MessageType t, uint64_t nonce, ByteView content) {
  const protocol::Protection& p = protocol::ProtectionOf(t);
  Bytes out(protocol::SealedLen(p, content.size()));
  size_t written = 0;
  EXPECT_EQ(protocol::Seal(p, nonce, content, {nullptr, &keys}, out, &written),
            protocol::ProtectError::kOk);
  out.resize(written);
  return out;
}

// Signed is a framed KeyRequest / KeyRegRequest; the stage never checks its signature.
Bytes Signed(MessageType t, uint64_t nonce) {
  Bytes out(protocol::kHeaderLen + 40 + protocol::kSignatureLen, 0x5a);
  protocol::WriteHeader(protocol::MakeHeader(t, 40, nonce), out.data());
  return out;
}

// BadPadding: a LogResponse whose last CBC block decrypts to ...0x00 (no PKCS#7), MACed
// correctly: the padding block of a sealed message is cut and the MAC recomputed.
Bytes BadPadding(const protocol::SessionKeys& keys, uint64_t nonce) {
  Bytes content(32, 0x30);
  content[31] = 0x00;
  Bytes m = SealWith(keys, MessageType::kLogResponse, nonce, content);
  m.resize(protocol::kHeaderLen + 32);
  StoreBe32(m.data() + 2, protocol::kHeaderLen + 32);
  const auto tag = crypto::HmacSha1(keys.ik(), m);
  m.insert(m.end(), tag.begin(), tag.end());
  return m;
}

constexpr uint64_t kFastSession = 100;
constexpr uint64_t kNormalSession = 200;

class KeyedStageTest : public ::testing::Test {
 protected:
  KeyedStageTest() {
    protocol::FlowKeys k;
    EXPECT_TRUE(protocol::MakeFlowKeys(fast_, &k).ok());
    EXPECT_TRUE(table_.Install(fast_src_, kFastSession, k));
    EXPECT_TRUE(protocol::MakeFlowKeys(normal_, &k).ok());
    EXPECT_TRUE(table_.Install(normal_src_, kNormalSession, k));
  }

  KeyedOutput Run(Bytes& msg, const FlowKey& src) {
    KeyedInput in{msg.data(), static_cast<uint32_t>(msg.size()), src};
    KeyedOutput out;
    stage_.Process({&in, 1}, {&out, 1});
    return out;
  }

  Bytes Fast(MessageType t, uint64_t nonce = 1) { return SealWith(fast_, t, nonce, ContentOf(t)); }

  const protocol::SessionKeys fast_ =
      protocol::SessionKeys::Fast(Filled<16>(1), Filled<16>(2), Filled<16>(3));
  const protocol::SessionKeys normal_ = protocol::SessionKeys::Normal(Filled<20>(4));  // no MEK
  const protocol::SessionKeys other_ =
      protocol::SessionKeys::Fast(Filled<16>(5), Filled<16>(2), Filled<16>(3));
  const FlowKey fast_src_ = V4(0x0a000001, 4000);
  const FlowKey normal_src_ = V4(0x0a000002, 4000);
  const FlowKey unknown_src_ = V4(0x0a000003, 4000);
  FlowTable table_{16, 7};
  KeyedStage stage_{table_};
};

TEST_F(KeyedStageTest, EveryKeyedTypeOpensInPlace) {
  for (MessageType t : {MessageType::kCamReg, MessageType::kRenewConfirm,
                        MessageType::kPurchaseReport, MessageType::kLogResponse}) {
    Bytes m = Fast(t);
    const KeyedOutput o = Run(m, fast_src_);
    EXPECT_EQ(o.verdict, V::kOpened) << protocol::MessageTypeName(t);
    EXPECT_EQ(o.type, t);
    EXPECT_EQ(o.session, kFastSession);
    EXPECT_EQ(o.plain_offset, protocol::kHeaderLen);
    EXPECT_EQ(Bytes(m.begin() + o.plain_offset, m.begin() + o.plain_offset + o.plain_len),
              ContentOf(t));
  }
  EXPECT_EQ(stage_.counters()[static_cast<size_t>(V::kOpened)], 4u);
}

TEST_F(KeyedStageTest, WrongKeyIsBadMacAndLeavesTheBufferUntouched) {
  for (MessageType t : {MessageType::kCamReg, MessageType::kLogResponse}) {
    Bytes m = SealWith(other_, t, 2, ContentOf(t));
    const Bytes before = m;
    const KeyedOutput o = Run(m, fast_src_);
    EXPECT_EQ(o.verdict, V::kBadMac);
    EXPECT_EQ(o.session, kFastSession);
    EXPECT_EQ(m, before);
    EXPECT_EQ(o.plain_offset, 0u);
    EXPECT_EQ(o.plain_len, m.size());
  }
}

TEST_F(KeyedStageTest, AuthenticButUnpaddedIsBadPadding) {
  Bytes m = BadPadding(fast_, 3);
  const KeyedOutput o = Run(m, fast_src_);
  EXPECT_EQ(o.verdict, V::kBadPadding);
  EXPECT_EQ(o.type, MessageType::kLogResponse);
  EXPECT_EQ(o.plain_len, 0u);
}

TEST_F(KeyedStageTest, AuthenticButNotDerIsContentInvalid) {
  const Bytes junk = {0x30, 0x03, 0x80, 0x01};  // the SEQUENCE runs past the content
  Bytes m = SealWith(fast_, MessageType::kRenewConfirm, 4, junk);
  const KeyedOutput o = Run(m, fast_src_);
  EXPECT_EQ(o.verdict, V::kContentInvalid);
  EXPECT_EQ(Bytes(m.begin() + o.plain_offset, m.begin() + o.plain_offset + o.plain_len), junk);
}

TEST_F(KeyedStageTest, RawWithoutAFlowOrBeforeMek) {
  Bytes m = Fast(MessageType::kLogResponse);
  const Bytes before = m;
  KeyedOutput o = Run(m, unknown_src_);
  EXPECT_EQ(o.verdict, V::kRaw);
  EXPECT_EQ(o.session, 0u);
  EXPECT_EQ(m, before);
  EXPECT_EQ(o.plain_len, m.size());
  // A normal session knows IK before MEK (§11): CAMReg opens, RenewConfirm goes to control.
  Bytes confirm = SealWith(normal_, MessageType::kCamReg, 5, ContentOf(MessageType::kCamReg));
  o = Run(confirm, normal_src_);
  EXPECT_EQ(o.verdict, V::kOpened);
  EXPECT_EQ(o.session, kNormalSession);
  Bytes renew = Fast(MessageType::kRenewConfirm);
  o = Run(renew, normal_src_);
  EXPECT_EQ(o.verdict, V::kRaw);
  EXPECT_EQ(o.session, kNormalSession);
}

TEST_F(KeyedStageTest, SignedAndStatusGoToControlRaw) {
  Bytes key_request = Signed(MessageType::kKeyRequest, 6);
  Bytes key_reg = Signed(MessageType::kKeyRegRequest, 7);
  Bytes status = Fast(MessageType::kStatus);
  for (Bytes* m : {&key_request, &key_reg, &status}) {
    const Bytes before = *m;
    const KeyedOutput o = Run(*m, fast_src_);
    EXPECT_EQ(o.verdict, V::kRaw);
    EXPECT_EQ(o.plain_offset, 0u);
    EXPECT_EQ(o.plain_len, m->size());
    EXPECT_EQ(*m, before);
  }
}

TEST_F(KeyedStageTest, BadFramesAndUnexpectedTypesAreDropped) {
  Bytes truncated = Fast(MessageType::kLogResponse);
  truncated.pop_back();
  Bytes longer = Fast(MessageType::kLogResponse);
  longer.push_back(0);
  Bytes bad_version = Fast(MessageType::kLogResponse);
  bad_version[14] = 0x02;
  Bytes tiny(10, 0);
  for (Bytes* m : {&truncated, &longer, &bad_version, &tiny}) {
    EXPECT_EQ(Run(*m, fast_src_).verdict, V::kBadFrame);
  }
  Bytes renew_info = Fast(MessageType::kRenewInfo);
  const KeyedOutput o = Run(renew_info, fast_src_);
  EXPECT_EQ(o.verdict, V::kUnexpectedType);
  EXPECT_EQ(o.type, MessageType::kRenewInfo);
  EXPECT_EQ(stage_.counters()[static_cast<size_t>(V::kBadFrame)], 4u);
  EXPECT_EQ(stage_.counters()[static_cast<size_t>(V::kUnexpectedType)], 1u);
}

TEST_F(KeyedStageTest, MixedBurstsGiveEachItsVerdictInOrder) {
  struct Case {
    Bytes msg;
    FlowKey src;
    V want;
  };
  const auto make = [&](size_t i) -> Case {
    const uint64_t nonce = 1000 + i;
    switch (i % 10) {
      case 0:
        return {Fast(MessageType::kLogResponse, nonce), fast_src_, V::kOpened};
      case 1:
        return {SealWith(other_, MessageType::kRenewConfirm, nonce,
                         ContentOf(MessageType::kRenewConfirm)),
                fast_src_, V::kBadMac};
      case 2:
        return {BadPadding(fast_, nonce), fast_src_, V::kBadPadding};
      case 3:
        return {SealWith(fast_, MessageType::kPurchaseReport, nonce, Bytes{0x04, 0x00}), fast_src_,
                V::kContentInvalid};
      case 4:
        return {Fast(MessageType::kLogResponse, nonce), unknown_src_, V::kRaw};
      case 5:
        return {Signed(MessageType::kKeyRequest, nonce), fast_src_, V::kRaw};
      case 6:
        return {Bytes(17, 0), fast_src_, V::kBadFrame};
      case 7:
        return {Fast(MessageType::kRenewInfo, nonce), fast_src_, V::kUnexpectedType};
      case 8:
        return {SealWith(normal_, MessageType::kCamReg, nonce, ContentOf(MessageType::kCamReg)),
                normal_src_, V::kOpened};
      default:
        return {Fast(MessageType::kPurchaseReport, nonce), normal_src_, V::kRaw};
    }
  };
  for (size_t n : {size_t{64}, size_t{150}}) {  // one full burst; more than one chunk
    std::vector<Case> cases;
    std::vector<KeyedInput> in;
    cases.reserve(n);
    in.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      cases.push_back(make(i));
    }
    for (Case& c : cases) {
      in.push_back({c.msg.data(), static_cast<uint32_t>(c.msg.size()), c.src});
    }
    std::vector<KeyedOutput> out(n);
    const auto before = stage_.counters();
    stage_.Process(in, out);
    std::array<uint64_t, kKeyedVerdictCount> want_counts{};
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(out[i].verdict, cases[i].want) << "input " << i;
      ++want_counts[static_cast<size_t>(cases[i].want)];
      if (out[i].verdict == V::kOpened && i % 10 == 0) {
        EXPECT_EQ(Bytes(cases[i].msg.begin() + 16, cases[i].msg.begin() + 16 + out[i].plain_len),
                  ContentOf(MessageType::kLogResponse));
      }
    }
    for (size_t v = 0; v < kKeyedVerdictCount; ++v) {
      EXPECT_EQ(stage_.counters()[v] - before[v], want_counts[v]) << v;
    }
  }
}

TEST_F(KeyedStageTest, RemovedFlowNoLongerOpensAndOldSessionRemovalKeepsTheNew) {
  table_.Remove(fast_src_, kFastSession);
  Bytes m = Fast(MessageType::kLogResponse);
  EXPECT_EQ(Run(m, fast_src_).verdict, V::kRaw);
  // A new session from the same source, then the old one's late removal.
  protocol::FlowKeys k;
  ASSERT_TRUE(protocol::MakeFlowKeys(fast_, &k).ok());
  ASSERT_TRUE(table_.Install(fast_src_, kFastSession + 1, k));
  table_.Remove(fast_src_, kFastSession);
  m = Fast(MessageType::kLogResponse, 9);
  const KeyedOutput o = Run(m, fast_src_);
  EXPECT_EQ(o.verdict, V::kOpened);
  EXPECT_EQ(o.session, kFastSession + 1);
}

}  // namespace
}  // namespace rcas::dataplane
