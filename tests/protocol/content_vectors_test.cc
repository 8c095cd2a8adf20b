// Known answers: every content of vectors/messages.json (and the OAEP
// plaintexts, and kdf.json's CASSInfo) built from its ASN.1 components must
// encode to the vector's DER byte for byte, decode back to the same fields
// and re-encode identically (PROFILE §7, §19).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>

#include "tests/protocol/content_test_util.h"

namespace rcas::protocol {
namespace {

using nlohmann::json;

// Components reads one JSON object of ASN.1 component values and checks
// that the builder used every one of them.
class Components {
 public:
  Components(const json& j, testing::Arena* arena) : j_(j), arena_(arena) {}
  Components(const Components&) = delete;
  Components& operator=(const Components&) = delete;
  ~Components() {
    for (const auto& [key, value] : j_.items()) {
      EXPECT_TRUE(used_.count(key)) << "component not built: " << key;
    }
  }
  bool Has(const std::string& k) const { return j_.contains(k); }
  const json& Get(const std::string& k) {
    used_.insert(k);
    return j_.at(k);
  }
  ByteView Hex(const std::string& k) { return arena_->Hex(Get(k)); }
  uint32_t Uint(const std::string& k) {
    const Bytes b = rcas::testing::Hex(Get(k));
    uint32_t v = 0;
    for (uint8_t o : b) {
      v = (v << 8) | o;
    }
    return v;
  }
  uint8_t Byte(const std::string& k) {
    EXPECT_EQ(Get(k).get<std::string>().size(), 2u) << k;
    return static_cast<uint8_t>(Uint(k));
  }
  bool Flag(const std::string& k) { return Has(k) && Get(k).get<bool>(); }
  std::optional<ByteView> OptHex(const std::string& k) {
    return Has(k) ? std::optional<ByteView>(Hex(k)) : std::nullopt;
  }
  testing::Arena* arena() { return arena_; }

 private:
  const json& j_;
  testing::Arena* arena_;
  std::set<std::string> used_;
};

// Values keeps element arrays alive for SequenceOf::Values.
class Values {
 public:
  template <typename T>
  std::span<const T> Keep(std::vector<T> v) {
    auto p = std::make_shared<std::vector<T>>(std::move(v));
    kept_.push_back(p);
    return *p;
  }

 private:
  std::vector<std::shared_ptr<void>> kept_;
};

CassInfo BuildCassInfo(Components&& c) {
  return {.cass_id = c.Hex("cASSUniqueID"),
          .ip_addr_type = c.Byte("cASSIPAddrType"),
          .ip_addr = c.Hex("cASSIPAddr"),
          .connection_type = c.Byte("cASSConnectionType"),
          .listening_port = c.Uint("cASSListeningPort")};
}

RcasAnnounceContent BuildAnnounce(Components&& c, Values* values) {
  std::vector<CamClientVersion> versions;
  for (const json& v : c.Get("cAMClientVersion")) {
    Components cv(v, c.arena());
    std::vector<CamClientInfo> clients;
    for (const json& i : cv.Get("cAMClientInfo")) {
      Components ci(i, c.arena());
      clients.push_back({.client_type = ci.Byte("clientType"),
                         .client_priority = ci.Byte("clientPriority"),
                         .client_vendor = static_cast<uint16_t>(ci.Uint("clientVendor")),
                         .client_version = static_cast<uint16_t>(ci.Uint("clientVersion"))});
    }
    versions.push_back({.hw_version = cv.Hex("hWVersion"),
                        .sw_version = cv.Hex("sWversion"),
                        .clients = SequenceOf<CamClientInfo>::Values(values->Keep(clients))});
  }
  return {.protocol_type_flag = c.Byte("protocolTypeFlag"),
          .client_versions = SequenceOf<CamClientVersion>::Values(values->Keep(versions)),
          .cass_info = BuildCassInfo(Components(c.Get("cASSInfo"), c.arena()))};
}

RenewInfoContent BuildRenewInfo(Components&& c) {
  RenewInfoContent v{.session_id = c.Hex("sessionID"),
                     .client_type = c.Byte("clientType"),
                     .image_flag = c.Byte("imageFlag")};
  for (const json& i : c.Get("imageInfo")) {
    Components ii(i, c.arena());
    ImageInfo& image = v.image_info.at(v.image_count++);
    image.ds_ip = ii.OptHex("dSIP");
    image.tm = ii.Byte("tm");
    if (ii.Has("fn")) {
      image.fn = c.arena()->Text(ii.Get("fn"));  // PrintableString given as text
    }
  }
  v.purchase_report_req = c.Flag("purchaseReport-Req");
  v.hashed_ccci = c.Hex("hashed-CCCI");
  v.hashed_icci = c.Hex("hashed-ICCI");
  v.directives = c.OptHex("directives");
  return v;
}

KeyResponseConfidential BuildKeyRspConfidential(Components&& c) {
  return {.chk = c.Hex("cHK"),
          .ihk = c.Hex("iHK"),
          .rand_ac_1 = c.Hex("rAND-AC-1"),
          .rand_ac_2 = c.Hex("rAND-AC-2"),
          .rand_ac_3 = c.Hex("rAND-AC-3"),
          .kpk = c.Hex("kPK")};
}

KeyRegResponseConfidential BuildKeyRegRspConfidential(Components&& c) {
  return {.ak = c.Hex("aK"), .chk = c.Hex("cHK")};
}

// CheckKnownAnswer: encode == vector, decode(vector) == value, re-encode
// == vector, and both encoders agree on the length.
template <Content T>
void CheckKnownAnswer(const T& built, const std::string& der_hex) {
  Bytes encoded;
  ASSERT_TRUE(Encode(built, &encoded));
  EXPECT_EQ(ToHex(encoded), der_hex);
  EXPECT_EQ(EncodedLength(built), encoded.size());
  Bytes exact(encoded.size());
  EXPECT_EQ(Encode(built, MutableByteView(exact)), encoded.size());
  EXPECT_EQ(exact, encoded);

  const Bytes der = rcas::testing::Hex(der_hex);
  T decoded{};
  ASSERT_EQ(DecodeErrorName(Decode(der, &decoded)), "ok");
  EXPECT_TRUE(decoded == built);
  Bytes again;
  ASSERT_TRUE(Encode(decoded, &again));
  EXPECT_EQ(again, der);
}

// CheckCase builds the content of one messages.json case and checks it;
// returns the type names it covered.
std::set<std::string> CheckCase(const json& kase) {
  testing::Arena arena;
  Values values;
  const std::string type = kase["type_name"].get<std::string>();
  const json& content = kase["inputs"]["content"];
  const std::string der = kase["expected"]["content_der"].get<std::string>();
  Components c(content, &arena);
  std::set<std::string> covered = {type};
  if (type == "RCASAnnounce") {
    CheckKnownAnswer(BuildAnnounce(std::move(c), &values), der);
  } else if (type == "RCASRenewal") {
    CheckKnownAnswer(RcasRenewalContent{.download_schedule = c.Hex("downloadSchedule"),
                                        .key_request_req = c.Flag("keyRequest-Req"),
                                        .purchase_report_req = c.Flag("purchaseReport-Req")},
                     der);
  } else if (type == "KeyRequest") {
    CheckKnownAnswer(KeyRequestContent{.session_id = c.Hex("sessionID"),
                                       .key_pairing_id = c.Hex("keyParingID"),
                                       .cam_certificate = c.Hex("cAMCertificate")},
                     der);
  } else if (type == "KeyResponse") {
    CheckKnownAnswer(KeyResponseContent{.session_id = c.Hex("sessionID"),
                                        .cass_certificate = c.Hex("cASSCertificate"),
                                        .rsa_encrypted_content = c.Hex("rSAEncryptedContent"),
                                        .sign_kpk = c.Hex("sIGN-kpk")},
                     der);
    CheckKnownAnswer(
        BuildKeyRspConfidential(Components(kase["expected"]["oaep_plaintext_value"], &arena)),
        kase["expected"]["oaep_plaintext"].get<std::string>());
    covered.insert("KeyRspConfidentialContent");
  } else if (type == "KeyRspConfidentialContent") {
    CheckKnownAnswer(BuildKeyRspConfidential(std::move(c)), der);
  } else if (type == "CAMReg") {
    CheckKnownAnswer(CamRegContent{.session_id = c.Hex("sessionID"),
                                   .nonce_cam = c.Hex("nONCE-CAM"),
                                   .cam_id = c.Hex("cAMID"),
                                   .hw_version = c.Hex("hWVersion"),
                                   .sw_version = c.Hex("sWversion"),
                                   .hashed_mek_icciek = c.Hex("hashed-MEK-ICCIEK")},
                     der);
  } else if (type == "CAMRegConfirm") {
    CheckKnownAnswer(CamRegConfirmContent{.session_id = c.Hex("sessionID"),
                                          .mek_iv = c.Hex("mEK-IV"),
                                          .icciek_iv = c.Hex("iCCIEK-IV"),
                                          .ccciek_iv = c.Hex("cCCIEK-IV"),
                                          .ccciek = c.Hex("cCCIEK")},
                     der);
  } else if (type == "RenewInfo") {
    CheckKnownAnswer(BuildRenewInfo(std::move(c)), der);
  } else if (type == "RenewConfirm") {
    CheckKnownAnswer(RenewConfirmContent{.session_id = c.Hex("sessionID"),
                                         .download_status = c.Get("downloadStatus").get<bool>()},
                     der);
  } else if (type == "PurchaseReport") {
    CheckKnownAnswer(PurchaseReportContent{.session_id = c.Hex("sessionID"),
                                           .purchase_info = c.Hex("purchaseInfo")},
                     der);
  } else if (type == "Status") {
    CheckKnownAnswer(
        StatusContent{.session_id = c.Hex("sessionID"), .status_info = c.Byte("statusInfo")}, der);
  } else if (type == "LogRequest") {
    EXPECT_TRUE(c.Get("logRequest-Req").get<bool>());
    CheckKnownAnswer(LogRequestContent{.session_id = c.Hex("sessionID")}, der);
  } else if (type == "LogResponse") {
    CheckKnownAnswer(LogResponseContent{.session_id = c.Hex("sessionID"),
                                        .log_response_info = c.OptHex("logResponseInfo")},
                     der);
  } else if (type == "KeyRegRequest") {
    CheckKnownAnswer(KeyRegRequestContent{.session_id = c.Hex("sessionID"),
                                          .key_pairing_id = c.Hex("keyPairingID"),
                                          .cam_id = c.Hex("cAMID"),
                                          .hw_version = c.Hex("hWVersion"),
                                          .sw_version = c.Hex("sWVersion"),
                                          .cam_certificate = c.Hex("cAMCertificate")},
                     der);
  } else if (type == "KeyRegResponse") {
    CheckKnownAnswer(KeyRegResponseContent{.session_id = c.Hex("sessionID"),
                                           .rsa_encrypted_content = c.Hex("rSAEncryptedContent"),
                                           .cass_certificate = c.Hex("cASSCertificate")},
                     der);
    CheckKnownAnswer(
        BuildKeyRegRspConfidential(Components(kase["expected"]["oaep_plaintext_value"], &arena)),
        kase["expected"]["oaep_plaintext"].get<std::string>());
    covered.insert("KeyRegRspConfidentialContent");
  } else if (type == "KeyRegRspConfidentialContent") {
    CheckKnownAnswer(BuildKeyRegRspConfidential(std::move(c)), der);
  } else {
    ADD_FAILURE() << "no builder for " << type;
  }
  return covered;
}

TEST(ContentVectors, EveryMessageContentEncodesDecodesAndRoundTrips) {
  const auto vectors = rcas::testing::LoadJson("vectors/messages.json");
  std::set<std::string> covered;
  for (const auto& kase : vectors["cases"]) {
    if (!kase["expected"].contains("content_der")) {
      continue;
    }
    SCOPED_TRACE(kase["description"].get<std::string>());
    const auto types = CheckCase(kase);
    covered.insert(types.begin(), types.end());
  }
  // All 16 content types of PROFILE §7.4.
  EXPECT_EQ(covered.size(), 16u);
}

TEST(ContentVectors, ChkInputCassInfoEncodesToTheKdfVector) {
  const auto kdf = rcas::testing::LoadJson("vectors/kdf.json");
  int checked = 0;
  for (const auto& kase : kdf["cases"]) {
    if (!kase["inputs"].contains("CASSInfo_DER")) {
      continue;
    }
    testing::Arena arena;
    CheckKnownAnswer(BuildCassInfo(Components(kase["inputs"]["CASSInfo"], &arena)),
                     kase["inputs"]["CASSInfo_DER"].get<std::string>());
    ++checked;
  }
  EXPECT_EQ(checked, 1);
}

}  // namespace
}  // namespace rcas::protocol
