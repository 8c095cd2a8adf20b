// Content codec behaviour beyond the vector files: encoders refuse invalid
// values, profile rules at their edges, SEQUENCE OF views, PeekSessionId
// (§23.1) and a mutation check of ==/Encode over every content type.

#include <gtest/gtest.h>

#include <set>

#include "tests/protocol/content_test_util.h"

namespace rcas::protocol {
namespace {

Bytes Hex(const std::string& hex) { return rcas::testing::Hex(hex); }

const char kAnnounceDer[] =
    "306d800101a120301e800400000001810400000002a210300e8001018101008202000183020003a246800400"
    "00000a81010182323139322e302e322e31300000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000083010284040000bfd0";
const char kRenewInfoDer[] =
    "307e800aa0a1a2a3a4a5a6a7a8a9810101820103a33b30038101013034801000000000000000000000ffffc0"
    "000214810103821d636163732f61306131613261336134613561366137613861392e62696e8401ff85146d"
    "50b71b3e1691751ae58fddde7e0e54734590a6861478bbecfb1decf210cebc55ff9ac53acb3c92e920";
const char kKeyRspConfidentialDer[] =
    "30788014978bcd6b05f7ce15b80d7c537128fd2e6eb799a581145d15b3d4b5fe383424cad236dd13c99a898d"
    "b3b8821023553cbe9637a89d218ae64dae47bf358310000102030405060708090a0b0c0d0e0f8410f0f1f2"
    "f3f4f5f6f7f8f9fafbfcfdfeff8514c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3";

template <Content T>
T DecodeOk(const Bytes& der) {
  T value{};
  EXPECT_EQ(DecodeErrorName(Decode(der, &value)), "ok");
  return value;
}

template <Content T>
std::string Reason(const T& value) {
  return std::string(DecodeErrorName(Validate(value)));
}

TEST(ContentEncode, RefusesWrongSizesInsteadOfWritingThem) {
  const Bytes sid9(9, 0xa0);
  const Bytes sid10(10, 0xa0);
  StatusContent status{.session_id = sid9, .status_info = 0x81};
  Bytes out = {0x42};
  EXPECT_FALSE(Encode(status, &out));
  EXPECT_EQ(out, Bytes{0x42});  // untouched
  EXPECT_EQ(EncodedLength(status), 0u);
  uint8_t buf[64];
  EXPECT_EQ(Encode(status, MutableByteView(buf)), 0u);
  status.session_id = sid10;
  EXPECT_EQ(EncodedLength(status), 17u);
  EXPECT_EQ(Encode(status, MutableByteView(buf).first(16)), 0u);  // too small
  EXPECT_EQ(Encode(status, MutableByteView(buf).first(17)), 17u);

  const Bytes cipher255(255, 0x11);
  const KeyRegResponseContent reg{
      .session_id = sid10, .rsa_encrypted_content = cipher255, .cass_certificate = sid10};
  EXPECT_EQ(EncodedLength(reg), 0u);
  EXPECT_EQ(EncodedLength(CamRegConfirmContent{.session_id = sid10}), 0u);  // empty IVs
}

TEST(ContentEncode, RefusesProfileViolations) {
  const Bytes ann = Hex(kAnnounceDer);
  auto announce = DecodeOk<RcasAnnounceContent>(ann);
  ASSERT_GT(EncodedLength(announce), 0u);
  announce.cass_info.listening_port = 0;
  EXPECT_EQ(EncodedLength(announce), 0u);

  const Bytes conf = Hex(kKeyRspConfidentialDer);
  auto secret = DecodeOk<KeyResponseConfidential>(conf);
  secret.rand_ac_3 = secret.rand_ac_1;
  EXPECT_EQ(Reason(secret), "rand-ac-duplicate");
  EXPECT_EQ(EncodedLength(secret), 0u);

  const Bytes renew = Hex(kRenewInfoDer);
  auto info = DecodeOk<RenewInfoContent>(renew);
  info.image_info[1].fn = "bad_name.bin";
  EXPECT_EQ(EncodedLength(info), 0u);  // PrintableString charset
  info.image_info[1].fn = "ok.bin";
  EXPECT_GT(EncodedLength(info), 0u);
  info.image_count = 3;
  EXPECT_EQ(EncodedLength(info), 0u);

  const RcasRenewalContent renewal{.download_schedule = AsView("261131120000")};
  EXPECT_EQ(Reason(renewal), "download-schedule");
  EXPECT_EQ(EncodedLength(renewal), 0u);
}

TEST(ContentEncode, WritesDerBooleansAndOmitsAbsentOptionals) {
  const RcasRenewalContent renewal{.download_schedule = AsView("000000000000"),
                                   .key_request_req = false,
                                   .purchase_report_req = true};
  Bytes der;
  ASSERT_TRUE(Encode(renewal, &der));
  EXPECT_EQ(ToHex(der), "3011800c3030303030303030303030308201ff");
  const Bytes sid(10, 0xa0);
  ASSERT_TRUE(Encode(LogResponseContent{.session_id = sid, .log_response_info = ByteView()}, &der));
  EXPECT_EQ(ToHex(der), "300e800aa0a0a0a0a0a0a0a0a0a08100");  // present but empty
}

TEST(ContentValidate, DownloadScheduleIsARealUtcDateOrNow) {
  auto reason = [](const char* s) {
    return Reason(RcasRenewalContent{.download_schedule = AsView(s)});
  };
  EXPECT_EQ(reason("000000000000"), "ok");
  EXPECT_EQ(reason("240229235959"), "ok");  // 2024 is a leap year
  EXPECT_EQ(reason("250229000000"), "download-schedule");
  EXPECT_EQ(reason("260431000000"), "download-schedule");
  EXPECT_EQ(reason("261231000000"), "ok");
  EXPECT_EQ(reason("260001000000"), "download-schedule");
  EXPECT_EQ(reason("260100000000"), "download-schedule");
  EXPECT_EQ(reason("260101240000"), "download-schedule");
  EXPECT_EQ(reason("260101006000"), "download-schedule");
  EXPECT_EQ(reason("260101000060"), "download-schedule");
  EXPECT_EQ(reason("000000000001"), "download-schedule");  // not "now", month 0
  EXPECT_EQ(reason("26010100000 "), "download-schedule");
}

TEST(ContentValidate, CassInfoAddressFamilyPortAndConnection) {
  const Bytes ann = Hex(kAnnounceDer);
  CassInfo info = DecodeOk<RcasAnnounceContent>(ann).cass_info;
  EXPECT_EQ(Reason(info), "ok");
  EXPECT_EQ(info.listening_port, 49104u);
  auto with_addr = [&](uint8_t type, const std::string& text) {
    static Bytes field;
    field.assign(kCassIpAddrLen, 0);
    std::copy(text.begin(), text.end(), field.begin());
    CassInfo v = info;
    v.ip_addr_type = type;
    v.ip_addr = field;
    return Reason(v);
  };
  EXPECT_EQ(with_addr(0x02, "2001:db8::10"), "ok");
  EXPECT_EQ(with_addr(0x02, "::ffff:192.0.2.10"), "ok");
  EXPECT_EQ(with_addr(0x02, "192.0.2.10"), "cass-ip-type");
  EXPECT_EQ(with_addr(0x03, "192.0.2.10"), "cass-ip-type");
  EXPECT_EQ(with_addr(0x01, ""), "cass-ip");
  EXPECT_EQ(with_addr(0x01, "cass.example"), "cass-ip");  // no host names
  EXPECT_EQ(with_addr(0x01, std::string("192.0.2.10\0x", 12)), "cass-ip");
  CassInfo v = info;
  v.connection_type = 0x01;
  EXPECT_EQ(Reason(v), "ok");
  v.connection_type = 0x00;
  EXPECT_EQ(Reason(v), "cass-connection-type");
  v = info;
  v.listening_port = 65535;
  EXPECT_EQ(Reason(v), "ok");
  v.listening_port = 0xffffffff;
  EXPECT_EQ(Reason(v), "cass-port");
}

TEST(ContentValidate, RenewInfoImageRules) {
  const Bytes renew = Hex(kRenewInfoDer);
  const auto base = DecodeOk<RenewInfoContent>(renew);
  ASSERT_EQ(base.images().size(), 2u);
  const Bytes ip(kDsIpLen, 0x01);

  auto common_carousel_located = base;
  common_carousel_located.image_info[0].ds_ip = ip;
  EXPECT_EQ(Reason(common_carousel_located), "image-location");

  auto common_http = base;
  common_http.image_info[0] = base.image_info[1];
  EXPECT_EQ(Reason(common_http), "ok");
  common_http.image_info[0].fn.reset();
  EXPECT_EQ(Reason(common_http), "image-location");

  auto individual_only = base;
  individual_only.image_flag = 0x02;
  individual_only.image_info[0] = base.image_info[1];
  individual_only.image_count = 1;
  EXPECT_EQ(Reason(individual_only), "ok");
  individual_only.image_info[0].fn = "";
  EXPECT_EQ(Reason(individual_only), "image-location");
  individual_only.image_info[0] = base.image_info[0];  // carousel, unlocated
  EXPECT_EQ(Reason(individual_only), "image-location");

  auto two_for_one = base;
  two_for_one.image_flag = 0x01;
  EXPECT_EQ(Reason(two_for_one), "image-count");
  auto bad_client = base;
  bad_client.client_type = 0;
  EXPECT_EQ(Reason(bad_client), "client-type");
}

TEST(ContentDecode, MoreThanTwoImagesIsImageCount) {
  // kRenewInfoDer with a third ImageInfo {tm 01} (3003 810101) appended.
  std::string hex = kRenewInfoDer;
  hex.replace(0, 4, "308183");
  hex.replace(hex.find("a33b"), 4, "a340");
  hex.insert(hex.find("8401ff"), "3003810101");
  const Bytes der = Hex(hex);
  RenewInfoContent v;
  EXPECT_EQ(DecodeErrorName(Decode(der, &v)), "image-count");
}

TEST(ContentDecode, ViewsPointIntoTheInput) {
  const Bytes der = Hex(kRenewInfoDer);
  const auto v = DecodeOk<RenewInfoContent>(der);
  EXPECT_EQ(v.session_id.data(), der.data() + 4);
  ASSERT_TRUE(v.images()[1].fn.has_value());
  EXPECT_EQ(*v.images()[1].fn, "cacs/a0a1a2a3a4a5a6a7a8a9.bin");
  EXPECT_FALSE(v.images()[0].ds_ip.has_value());
  EXPECT_TRUE(v.purchase_report_req);
  EXPECT_FALSE(v.directives.has_value());
}

TEST(SequenceOfView, DecodedAnnounceIteratesItsEntries) {
  const Bytes der = Hex(kAnnounceDer);
  const auto a = DecodeOk<RcasAnnounceContent>(der);
  ASSERT_EQ(a.client_versions.size(), 1u);
  size_t n = 0;
  for (const CamClientVersion& v : a.client_versions) {
    EXPECT_EQ(ToHex(v.hw_version), "00000001");
    EXPECT_EQ(ToHex(v.sw_version), "00000002");
    ASSERT_EQ(v.clients.size(), 1u);
    const CamClientInfo c = *v.clients.begin();
    EXPECT_EQ(c.client_type, 0x01);
    EXPECT_EQ(c.client_priority, 0x00);
    EXPECT_EQ(c.client_vendor, 0x0001);
    EXPECT_EQ(c.client_version, 0x0003);
    ++n;
  }
  EXPECT_EQ(n, 1u);
}

TEST(SequenceOfView, ValuesAndDerFormsCompareByContent) {
  const Bytes hw = Hex("00000001");
  const Bytes sw = Hex("00000002");
  const CamClientInfo clients[] = {{0x01, 0x00, 0x0001, 0x0003}, {0x03, 0x01, 0x0102, 0x0200}};
  const CamClientVersion versions[] = {
      {hw, sw, SequenceOf<CamClientInfo>::Values(clients)},
      {sw, hw, SequenceOf<CamClientInfo>::Values(std::span(clients).first(1))},
      {hw, hw, {}},
  };
  const Bytes ann = Hex(kAnnounceDer);
  RcasAnnounceContent built = DecodeOk<RcasAnnounceContent>(ann);
  built.client_versions = SequenceOf<CamClientVersion>::Values(versions);
  Bytes der;
  ASSERT_TRUE(Encode(built, &der));
  const auto decoded = DecodeOk<RcasAnnounceContent>(der);
  EXPECT_TRUE(decoded == built);
  EXPECT_EQ(decoded.client_versions.size(), 3u);
  auto it = decoded.client_versions.begin();
  EXPECT_EQ(it->clients.size(), 2u);
  ++it;
  EXPECT_EQ(it->clients.size(), 1u);
  ++it;
  EXPECT_TRUE(it->clients.empty());

  RcasAnnounceContent other = built;
  CamClientInfo changed[2] = {clients[0], clients[1]};
  changed[1].client_version = 0x0201;
  CamClientVersion changed_versions[3] = {versions[0], versions[1], versions[2]};
  changed_versions[0].clients = SequenceOf<CamClientInfo>::Values(changed);
  other.client_versions = SequenceOf<CamClientVersion>::Values(changed_versions);
  EXPECT_FALSE(decoded == other);
}

TEST(PeekSessionId, FindsAWellFormedFirstComponent) {
  auto peek = [](const std::string& hex) {
    const Bytes in = Hex(hex);
    const auto sid = PeekSessionId(in);
    return sid ? ToHex(*sid) : std::string("none");
  };
  EXPECT_EQ(peek("300f800aa0a1a2a3a4a5a6a7a8a9810102"), "a0a1a2a3a4a5a6a7a8a9");
  EXPECT_EQ(peek("3082000f800aa0a1a2a3a4a5a6a7a8a9810102"), "a0a1a2a3a4a5a6a7a8a9");
  // The rest may be broken: truncated, wrong tags, trailing octets.
  EXPECT_EQ(peek("3054800aa0a1a2a3a4a5a6a7a8a98110"), "a0a1a2a3a4a5a6a7a8a9");
  EXPECT_EQ(peek("300f800aa0a1a2a3a4a5a6a7a8a9ffffff00"), "a0a1a2a3a4a5a6a7a8a9");
  EXPECT_EQ(peek("3010800ba0a1a2a3a4a5a6a7a8a9aa810102"), "none");  // 11 octets
  EXPECT_EQ(peek("300e8009a0a1a2a3a4a5a6a7a8810102"), "none");      // 9 octets
  EXPECT_EQ(peek("3054800aa0a1a2a3a4a5a6a7a8"), "none");            // [0] itself cut
  EXPECT_EQ(peek("3080800aa0a1a2a3a4a5a6a7a8a90000"), "none");      // indefinite SEQUENCE
  EXPECT_EQ(peek("3180800aa0a1a2a3a4a5a6a7a8a9"), "none");
  EXPECT_EQ(peek("300fa00c040aa0a1a2a3a4a5a6a7a8a9"), "none");  // constructed [0]
  EXPECT_EQ(peek("300f040aa0a1a2a3a4a5a6a7a8a9810102"), "none");
  EXPECT_EQ(peek("3005800aa0a1a2a3a4a5a6a7a8a9"), "none");  // [0] runs past the SEQUENCE
  EXPECT_EQ(peek(""), "none");
  EXPECT_EQ(peek("30"), "none");
}

TEST(ContentMutations, EveryFieldIsComparedAndEncodeInvertsDecode) {
  const auto vectors = rcas::testing::LoadJson("vectors/malformed.json");
  std::set<std::string> types;
  for (const auto& c : vectors["should_accept"]) {
    const std::string type = c["inputs"]["content_type"].get<std::string>();
    if (!types.insert(type).second) {
      continue;
    }
    SCOPED_TRACE(type);
    const Bytes der = rcas::testing::Hex(c["expected"]["der_reencoding"]);
    testing::CodecByAsn1Name().at(type).check_mutations(der);
  }
  EXPECT_EQ(types.size(), 16u);
}

}  // namespace
}  // namespace rcas::protocol
