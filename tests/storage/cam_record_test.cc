#include "storage/cam_record.h"

#include <gtest/gtest.h>

#include "tests/storage/store_test_util.h"

namespace rcas::storage {
namespace {

using testing::SampleIdentity;
using testing::SamplePairing;
using testing::SampleState;

TEST(CamRecord, StateRoundTripsWithFixedLayout) {
  const CamState s = SampleState(4);
  Bytes v;
  EncodeCamState(s, v);
  ASSERT_EQ(v.size(), kCamStateValueLen);
  // format, state, flags, hw, sw, casImageVersion, cassId, authCount, updated (big-endian)
  EXPECT_EQ(ToHex(v),
            "01"
            "01"
            "03"
            "01020304"
            "04050600"
            "010203040506070c"
            "00000014"
            "0000002c"
            "0000018bcfe56804");
  CamState back;
  ASSERT_TRUE(DecodeCamState(v, back));
  EXPECT_EQ(back, s);
  CamState empty;
  EncodeCamState(CamState{}, v);
  ASSERT_TRUE(DecodeCamState(v, empty));
  EXPECT_EQ(empty, CamState{});
}

// c1_pending is bit 2 of the flags octet (docs/ac-store.md), beside the two "set" markers.
TEST(CamRecord, StateC1PendingIsFlagBit2) {
  CamState s = SampleState(4);
  s.c1_pending = true;
  Bytes v;
  EncodeCamState(s, v);
  ASSERT_EQ(v.size(), kCamStateValueLen);
  EXPECT_EQ(v[2], 0x07);
  CamState back;
  ASSERT_TRUE(DecodeCamState(v, back));
  EXPECT_TRUE(back.c1_pending);
  EXPECT_EQ(back, s);
  s = CamState{};
  s.c1_pending = true;
  EncodeCamState(s, v);
  EXPECT_EQ(v[2], 0x04);
  ASSERT_TRUE(DecodeCamState(v, back));
  EXPECT_EQ(back, s);
}

TEST(CamRecord, StateDecoderRejectsEveryBadField) {
  Bytes good;
  EncodeCamState(SampleState(1), good);
  const CamState before = SampleState(2);
  CamState out = before;
  for (size_t len : {size_t{0}, kCamStateValueLen - 1, kCamStateValueLen + 1}) {
    Bytes v = good;
    v.resize(len);
    EXPECT_FALSE(DecodeCamState(v, out)) << len;
  }
  for (auto [offset, octet] : std::vector<std::pair<size_t, uint8_t>>{
           {0, 0}, {0, 2}, {1, 3}, {1, 0xff}, {2, 8}, {2, 0x0f}, {2, 0x80}}) {
    Bytes v = good;
    v[offset] = octet;
    EXPECT_FALSE(DecodeCamState(v, out)) << offset << " " << int{octet};
  }
  EXPECT_EQ(out, before);  // failed decodes leave `out` alone
}

TEST(CamRecord, IdentityRoundTripsAndChecksCertificateLength) {
  for (size_t cert_len : {size_t{0}, size_t{1}, size_t{900}, kMaxCertificateLen}) {
    const CamIdentity id = SampleIdentity(9, cert_len);
    Bytes v;
    EncodeCamIdentity(id, v);
    ASSERT_EQ(v.size(), 1 + 40 + 96 + 2 + cert_len);
    EXPECT_EQ(v[0], 1);
    EXPECT_EQ(LoadBe16(&v[137]), cert_len);
    CamIdentity back;
    ASSERT_TRUE(DecodeCamIdentity(v, back));
    EXPECT_TRUE(testing::SameIdentity(back, id));
  }
}

TEST(CamRecord, IdentityDecoderRejectsBadLengthAndFormat) {
  Bytes good;
  EncodeCamIdentity(SampleIdentity(2, 100), good);
  CamIdentity out;
  for (size_t len : {size_t{0}, size_t{138}, good.size() - 1, good.size() + 1}) {
    Bytes v = good;
    v.resize(len);
    EXPECT_FALSE(DecodeCamIdentity(v, out)) << len;
  }
  Bytes v = good;
  v[0] = 2;
  EXPECT_FALSE(DecodeCamIdentity(v, out));
  // A length field over the limit is refused even when the octets are there.
  Bytes big;
  EncodeCamIdentity(SampleIdentity(2, kMaxCertificateLen), big);
  big.push_back(0);
  StoreBe16(&big[137], kMaxCertificateLen + 1);
  EXPECT_FALSE(DecodeCamIdentity(big, out));
}

TEST(CamRecord, PairingRoundTripsWithAndWithoutKpk) {
  const Pairing p = SamplePairing(5);
  Bytes v;
  EncodePairing(p, v);
  ASSERT_EQ(v.size(), 2 + kNormalKpkLen + kSignKpkLen);
  EXPECT_EQ(ToHex(Bytes(v.begin(), v.begin() + 4)), "01010506");
  Pairing back;
  ASSERT_TRUE(DecodePairing(v, back));
  EXPECT_TRUE(back.has_kpk);
  EXPECT_EQ(ToHex(back.kpk.view()), ToHex(p.kpk.view()));
  EXPECT_EQ(back.sign_kpk, p.sign_kpk);

  EncodePairing(Pairing{}, v);
  EXPECT_EQ(ToHex(v), "0100");
  ASSERT_TRUE(DecodePairing(v, back));
  EXPECT_FALSE(back.has_kpk);
  EXPECT_TRUE(back.sign_kpk.empty());
  EXPECT_EQ(ToHex(back.kpk.view()), std::string(2 * kNormalKpkLen, '0'));
}

TEST(CamRecord, PairingDecoderRejectsBadFlagLengthAndFormat) {
  Bytes with;
  EncodePairing(SamplePairing(1), with);
  Pairing out;
  for (const Bytes& v : std::vector<Bytes>{{}, {1}, {2, 0}, {1, 2}, {1, 0, 0}, {1, 1}}) {
    EXPECT_FALSE(DecodePairing(v, out)) << ToHex(v);
  }
  for (size_t len : {with.size() - 1, with.size() + 1}) {
    Bytes v = with;
    v.resize(len);
    EXPECT_FALSE(DecodePairing(v, out)) << len;
  }
  Bytes v = with;
  v[1] = 0;  // says no KPK but carries one
  EXPECT_FALSE(DecodePairing(v, out));
}

TEST(CamRecord, StateNamesParseBack) {
  for (CamStateKind s :
       {CamStateKind::kVirgin, CamStateKind::kAuthService, CamStateKind::kAuthNotService}) {
    EXPECT_EQ(ParseCamStateName(CamStateName(s)), s);
  }
  EXPECT_STREQ(CamStateName(CamStateKind::kAuthService), "service");
  EXPECT_STREQ(CamStateName(CamStateKind::kAuthNotService), "not-service");
  EXPECT_EQ(ParseCamStateName("SERVICE"), std::nullopt);
  EXPECT_EQ(ParseCamStateName(""), std::nullopt);
}

TEST(CamRecord, KeyPairingIdIsCamIdThenDscId) {
  DscId dsc{};
  dsc.fill(0xdd);
  const KeyPairingId id = MakeKeyPairingId(testing::Cam(0x0102030405060708), dsc);
  EXPECT_EQ(ToHex(id), "0102030405060708" + std::string(80, 'd'));
}

}  // namespace
}  // namespace rcas::storage
