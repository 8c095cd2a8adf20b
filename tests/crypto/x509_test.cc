#include "crypto/x509.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <set>

#include "crypto/x509_issue.h"
#include "tests/common/temp_dir.h"
#include "tests/common/vectors.h"

namespace rcas::crypto {
namespace {

using rcas::testing::Hex;
using rcas::testing::LoadJson;
using rcas::testing::ReadFile;
using rcas::testing::TempDir;

constexpr int64_t kDay = 86400;
const CamId kCamId = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
const CassId kCassId = {0x00, 0x00, 0x00, 0x0a};

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

Bytes PemFileDer(const std::string& name) {
  auto der = CertificatePemToDer(ReadFile("vectors/" + name));
  if (!der) {
    throw std::runtime_error(name + ": " + der.error());
  }
  return *der;
}

TrustAnchor VectorRoot() { return *TrustAnchor::FromPem(ReadFile("vectors/pki/ac-root.cert.pem")); }

Bytes KeyPairingId(const CamId& cam_id) {
  Bytes id(cam_id.begin(), cam_id.end());
  for (uint8_t i = 0; i < kDscIdLen; ++i) {
    id.push_back(static_cast<uint8_t>(0x10 + i));
  }
  return id;
}

TEST(CertVectors, EveryCaseGivesItsExpectedResultReasonAndId) {
  auto j = LoadJson("vectors/certs.json");
  ASSERT_GE(j["cases"].size(), 9u);
  for (const auto& c : j["cases"]) {
    SCOPED_TRACE(c["description"].get<std::string>());
    const auto& in = c["inputs"];
    const auto& want = c["expected"];
    Bytes der = Hex(in["certificate_der"]);
    ASSERT_EQ(ToHex(der), ToHex(PemFileDer(in["certificate"])));
    auto root = TrustAnchor::FromPem(ReadFile("vectors/" + in["root"].get<std::string>()));
    ASSERT_TRUE(root.ok()) << root.error();

    CertCheck reason;
    std::string id;
    if (c["checker"] == "cam") {
      auto r = CheckCamCertificate(*root, der, Hex(in["KeyPairingID"]), Now());
      reason = r.reason;
      id = r.ok() ? ToHex(r.id) : "";
      EXPECT_EQ(r.subject_key.has_value(), r.ok());
    } else {
      ASSERT_EQ(c["checker"], "cass");
      auto r = CheckCassCertificate(*root, der, Hex(in["announced_CASS_ID"]), Now());
      reason = r.reason;
      id = r.ok() ? ToHex(r.id) : "";
      EXPECT_EQ(r.subject_key.has_value(), r.ok());
    }
    if (want["result"] == "accept") {
      EXPECT_EQ(reason, CertCheck::kOk) << CertCheckName(reason);
      EXPECT_EQ(id, want.contains("CAM_ID") ? want["CAM_ID"] : want["CASS_ID"]);
      EXPECT_EQ(CertCheckStatus(reason), 0);
    } else {
      EXPECT_EQ(CertCheckName(reason), want["reason"].get<std::string>());
      EXPECT_EQ(CertCheckStatus(reason), 0x05);
      EXPECT_EQ(want["status"], "0x05");
    }
  }
}

TEST(CertVectors, AcceptedCamCertificateYieldsTheCamKey) {
  auto r = CheckCamCertificate(VectorRoot(), PemFileDer("pki/cam.cert.pem"), KeyPairingId(kCamId),
                               Now());
  ASSERT_TRUE(r.ok()) << CertCheckName(r.reason);
  auto cam_key = RsaPrivateKey::FromPem(ReadFile("vectors/pki/cam.key.pem"));
  ASSERT_TRUE(cam_key.ok());
  EXPECT_EQ(ToHex(r.subject_key->SpkiDer()), ToHex(cam_key->Public().SpkiDer()));
  EXPECT_EQ(r.subject_key->bits(), 2048);
}

TEST(CertVectors, CamIdFieldMustMatchWhenGiven) {
  TrustAnchor root = VectorRoot();
  Bytes der = PemFileDer("pki/cam.cert.pem");
  Bytes cam_id_field(40, 0);
  std::copy(kCamId.begin(), kCamId.end(), cam_id_field.begin());
  EXPECT_TRUE(CheckCamCertificate(root, der, KeyPairingId(kCamId), Now(), cam_id_field).ok());
  cam_id_field[7] ^= 1;
  EXPECT_EQ(CheckCamCertificate(root, der, KeyPairingId(kCamId), Now(), cam_id_field).reason,
            CertCheck::kIdBinding);
  Bytes short_kpid = KeyPairingId(kCamId);
  short_kpid.pop_back();
  EXPECT_EQ(CheckCamCertificate(root, der, short_kpid, Now()).reason, CertCheck::kIdBinding);
}

TEST(CertVectors, ExpiredCamFailsOnlyOutsideItsWindow) {
  // bad-cam-expired.cert.pem is otherwise valid: at a time inside its window it passes.
  Bytes der = PemFileDer("pki/bad-cam-expired.cert.pem");
  TrustAnchor root = VectorRoot();
  EXPECT_EQ(CheckCamCertificate(root, der, KeyPairingId(kCamId), Now()).reason,
            CertCheck::kValidity);
  // 2000-06-01, inside 2000..2001.
  EXPECT_TRUE(CheckCamCertificate(root, der, KeyPairingId(kCamId), 959817600).ok());
}

TEST(CertParse, RejectsTrailingTruncatedEmptyAndPemInput) {
  TrustAnchor root = VectorRoot();
  Bytes der = PemFileDer("pki/cam.cert.pem");
  Bytes kpid = KeyPairingId(kCamId);
  Bytes trailing = der;
  trailing.push_back(0x00);
  EXPECT_EQ(CheckCamCertificate(root, trailing, kpid, Now()).reason, CertCheck::kMalformed);
  Bytes twice = der;
  Append(twice, der);
  EXPECT_EQ(CheckCamCertificate(root, twice, kpid, Now()).reason, CertCheck::kMalformed);
  EXPECT_EQ(CheckCamCertificate(root, ByteView(der).first(der.size() - 1), kpid, Now()).reason,
            CertCheck::kMalformed);
  EXPECT_EQ(CheckCamCertificate(root, {}, kpid, Now()).reason, CertCheck::kMalformed);
  EXPECT_EQ(
      CheckCamCertificate(root, AsView(ReadFile("vectors/pki/cam.cert.pem")), kpid, Now()).reason,
      CertCheck::kMalformed);
}

TEST(CertParse, ChangedTbsOctetBreaksTheSignature) {
  Bytes der = PemFileDer("pki/cam.cert.pem");
  der[der.size() - 300] ^= 0x01;  // inside the subject public key modulus
  EXPECT_EQ(CheckCamCertificate(VectorRoot(), der, KeyPairingId(kCamId), Now()).reason,
            CertCheck::kBadSignature);
}

TEST(TrustAnchorTest, RefusesLeafAsRoot) {
  auto leaf = TrustAnchor::FromPem(ReadFile("vectors/pki/cam.cert.pem"));
  EXPECT_FALSE(leaf.ok());
  EXPECT_FALSE(TrustAnchor::FromPem("junk").ok());
  auto root = TrustAnchor::FromPem(ReadFile("vectors/pki/ac-root.cert.pem"));
  ASSERT_TRUE(root.ok()) << root.error();
  EXPECT_EQ(ToHex(root->Der()), ToHex(PemFileDer("pki/ac-root.cert.pem")));
}

TEST(CertNames, EveryReasonHasADistinctTokenAndStatus05) {
  std::set<std::string_view> tokens;
  for (int i = 0; i <= static_cast<int>(CertCheck::kIdBinding); ++i) {
    auto reason = static_cast<CertCheck>(i);
    EXPECT_TRUE(tokens.insert(CertCheckName(reason)).second) << i;
    EXPECT_EQ(CertCheckStatus(reason), reason == CertCheck::kOk ? 0 : 0x05);
  }
}

// Issuance: certificates made by x509_issue pass the checks, and each single deviation fails
// with its own reason.
class CertIssue : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_key_ = new RsaPrivateKey(*RsaPrivateKey::Generate());
    leaf_key_ = new RsaPrivateKey(*RsaPrivateKey::Generate());
    small_key_ = new RsaPrivateKey(*RsaPrivateKey::Generate(1024));
  }
  static void TearDownTestSuite() {
    delete root_key_;
    delete leaf_key_;
    delete small_key_;
  }
  void SetUp() override {
    window_ = {Now() - kDay, Now() + 365 * kDay};
    auto root_der = IssueRootCertificate(*root_key_, RootCertSpec("Op", "Test Root", window_));
    ASSERT_TRUE(root_der.ok()) << root_der.error();
    auto anchor = TrustAnchor::FromDer(*root_der);
    ASSERT_TRUE(anchor.ok()) << anchor.error();
    auto issuer = CertIssuer::Create(*anchor, *root_key_);
    ASSERT_TRUE(issuer.ok()) << issuer.error();
    issuer_.emplace(*issuer);
  }

  CertCheck CheckCam(const CertSpec& spec, const RsaPrivateKey& key, int64_t now = Now()) {
    auto der = issuer_->Issue(key.Public(), spec);
    if (!der) {
      ADD_FAILURE() << der.error();
      return CertCheck::kMalformed;
    }
    return CheckCamCertificate(issuer_->root(), *der, KeyPairingId(kCamId), now).reason;
  }
  CertSpec Cam() const { return CamCertSpec(kCamId, "Op", window_); }

  static RsaPrivateKey* root_key_;
  static RsaPrivateKey* leaf_key_;
  static RsaPrivateKey* small_key_;
  Validity window_;
  std::optional<CertIssuer> issuer_;
};
RsaPrivateKey* CertIssue::root_key_ = nullptr;
RsaPrivateKey* CertIssue::leaf_key_ = nullptr;
RsaPrivateKey* CertIssue::small_key_ = nullptr;

TEST_F(CertIssue, IssuedCamAndCassCertificatesPass) {
  auto cam = issuer_->Issue(leaf_key_->Public(), Cam());
  ASSERT_TRUE(cam.ok());
  auto r = CheckCamCertificate(issuer_->root(), *cam, KeyPairingId(kCamId), Now());
  ASSERT_TRUE(r.ok()) << CertCheckName(r.reason);
  EXPECT_EQ(r.id, kCamId);
  EXPECT_EQ(ToHex(r.subject_key->SpkiDer()), ToHex(leaf_key_->Public().SpkiDer()));

  auto cass = issuer_->Issue(leaf_key_->Public(), CassCertSpec(kCassId, "Op", window_));
  ASSERT_TRUE(cass.ok());
  auto s = CheckCassCertificate(issuer_->root(), *cass, kCassId, Now());
  ASSERT_TRUE(s.ok()) << CertCheckName(s.reason);
  EXPECT_EQ(s.id, kCassId);
  EXPECT_EQ(CheckCassCertificate(issuer_->root(), *cass, CassId{0, 0, 0, 0x0b}, Now()).reason,
            CertCheck::kIdBinding);
  // A CASS certificate lacks keyEncipherment, so it is no CAM certificate.
  EXPECT_EQ(CheckCamCertificate(issuer_->root(), *cass, KeyPairingId(kCamId), Now()).reason,
            CertCheck::kKeyUsage);
}

TEST_F(CertIssue, IssuedShapeMatchesTheVectorPki) {
  auto cam = issuer_->Issue(leaf_key_->Public(), Cam());
  ASSERT_TRUE(cam.ok());
  std::string hex = ToHex(*cam);
  // Critical basicConstraints cA FALSE, critical keyUsage digitalSignature + keyEncipherment,
  // serialNumber PrintableString "0102030405060708": the octets of pki/cam.cert.pem.
  EXPECT_NE(hex.find("300c0603551d130101ff04023000"), std::string::npos);
  EXPECT_NE(hex.find("300e0603551d0f0101ff0404030205a0"), std::string::npos);
  EXPECT_NE(hex.find("060355040513103031303230333034303530363037303"), std::string::npos);
}

TEST_F(CertIssue, EachDeviationFailsWithItsReason) {
  CertSpec spec = Cam();
  spec.key_usage = kKeyUsageDigitalSignature;
  EXPECT_EQ(CheckCam(spec, *leaf_key_), CertCheck::kKeyUsage);
  spec = Cam();
  spec.key_usage |= kKeyUsageKeyCertSign;
  EXPECT_EQ(CheckCam(spec, *leaf_key_), CertCheck::kKeyUsage);
  spec = Cam();
  spec.key_usage = 0;  // no keyUsage extension at all
  EXPECT_EQ(CheckCam(spec, *leaf_key_), CertCheck::kKeyUsage);
  spec = Cam();
  spec.ca = true;
  EXPECT_EQ(CheckCam(spec, *leaf_key_), CertCheck::kCaLeaf);
  spec = Cam();
  spec.serial_number = "010203040506070a";  // lower case
  EXPECT_EQ(CheckCam(spec, *leaf_key_), CertCheck::kSerialNumberFormat);
  spec.serial_number = "01020304050607080";  // 17 digits
  EXPECT_EQ(CheckCam(spec, *leaf_key_), CertCheck::kSerialNumberFormat);
  spec.serial_number = "";
  EXPECT_EQ(CheckCam(spec, *leaf_key_), CertCheck::kSerialNumberFormat);
  spec = Cam();
  EXPECT_EQ(CheckCam(spec, *small_key_), CertCheck::kSubjectKey);
  spec.serial_number = "0102030405060709";
  EXPECT_EQ(CheckCam(spec, *leaf_key_), CertCheck::kIdBinding);
}

TEST_F(CertIssue, ValidityBoundsAreInclusive) {
  CertSpec spec = Cam();
  EXPECT_EQ(CheckCam(spec, *leaf_key_, window_.not_before), CertCheck::kOk);
  EXPECT_EQ(CheckCam(spec, *leaf_key_, window_.not_after), CertCheck::kOk);
  EXPECT_EQ(CheckCam(spec, *leaf_key_, window_.not_before - 1), CertCheck::kValidity);
  EXPECT_EQ(CheckCam(spec, *leaf_key_, window_.not_after + 1), CertCheck::kValidity);
  spec.validity = {window_.not_after, window_.not_before};
  EXPECT_FALSE(issuer_->Issue(leaf_key_->Public(), spec).ok());
}

TEST_F(CertIssue, CassValidityIsCheckedOnlyWithTrustedTime) {
  auto expired = issuer_->Issue(leaf_key_->Public(),
                                CassCertSpec(kCassId, "Op", {Now() - 10 * kDay, Now() - kDay}));
  ASSERT_TRUE(expired.ok());
  EXPECT_TRUE(CheckCassCertificate(issuer_->root(), *expired, kCassId, std::nullopt).ok());
  EXPECT_EQ(CheckCassCertificate(issuer_->root(), *expired, kCassId, Now()).reason,
            CertCheck::kValidity);
}

TEST_F(CertIssue, SameNameOtherRootKeyIsBadSignatureOtherNameIsIssuer) {
  auto same_name_der = IssueRootCertificate(*leaf_key_, RootCertSpec("Op", "Test Root", window_));
  auto impostor = CertIssuer::Create(*TrustAnchor::FromDer(*same_name_der), *leaf_key_);
  ASSERT_TRUE(impostor.ok());
  auto forged = impostor->Issue(leaf_key_->Public(), Cam());
  EXPECT_EQ(CheckCamCertificate(issuer_->root(), *forged, KeyPairingId(kCamId), Now()).reason,
            CertCheck::kBadSignature);

  auto other_der = IssueRootCertificate(*leaf_key_, RootCertSpec("Op", "Other Root", window_));
  auto other = CertIssuer::Create(*TrustAnchor::FromDer(*other_der), *leaf_key_);
  auto foreign = other->Issue(leaf_key_->Public(), Cam());
  EXPECT_EQ(CheckCamCertificate(issuer_->root(), *foreign, KeyPairingId(kCamId), Now()).reason,
            CertCheck::kIssuer);
}

TEST_F(CertIssue, IssuerRefusesAKeyThatIsNotTheRoots) {
  EXPECT_FALSE(CertIssuer::Create(issuer_->root(), *leaf_key_).ok());
}

// Differential: certificates made by the OpenSSL CLI from the same root pass or fail the same
// way, which also reaches the reasons our issuer cannot produce.
class CliCert : public ::testing::Test {
 protected:
  // Issue signs cam.key.pem's key with the vector AC root; returns the DER or empty.
  Bytes Issue(const std::string& digest, const std::string& extensions) {
    std::string pki = rcas::testing::DataPath("vectors/pki/");
    dir_.Write("ext.cnf", extensions);
    std::string cmd = "openssl req -new -key " + pki + "cam.key.pem" +
                      " -subj '/O=Op/CN=RCAS CAM 0102030405060708/serialNumber=0102030405060708' | "
                      "openssl x509 -req -days 30 -" +
                      digest + " -CA " + pki + "ac-root.cert.pem -CAkey " + pki +
                      "ac-root.key.pem -set_serial 7 -extfile " + dir_.File("ext.cnf") +
                      " -outform DER -out " + dir_.File("cert.der") + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      return {};
    }
    std::string der = dir_.Read("cert.der");
    return Bytes(der.begin(), der.end());
  }
  CertCheck Check(const Bytes& der) {
    return CheckCamCertificate(VectorRoot(), der, KeyPairingId(kCamId), Now()).reason;
  }
  TempDir dir_;
};

constexpr char kCamExtensions[] =
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n";

TEST_F(CliCert, OpensslIssuedCamCertificatePasses) {
  Bytes der = Issue("sha256", kCamExtensions);
  ASSERT_FALSE(der.empty());
  EXPECT_EQ(Check(der), CertCheck::kOk);
}

TEST_F(CliCert, Sha1SignatureIsRefused) {
  Bytes der = Issue("sha1", kCamExtensions);
  ASSERT_FALSE(der.empty());
  EXPECT_EQ(Check(der), CertCheck::kSignatureAlgorithm);
}

TEST_F(CliCert, UnknownCriticalExtensionIsRefused) {
  Bytes der = Issue("sha256", std::string(kCamExtensions) + "1.2.3.4=critical,ASN1:NULL\n");
  ASSERT_FALSE(der.empty());
  EXPECT_EQ(Check(der), CertCheck::kCriticalExtension);
}

}  // namespace
}  // namespace rcas::crypto
