// The certificate fast path (crypto/cert_fast.cc) against the OpenSSL-only reference on the
// vector certificates and on re-issued variants of the vector CAM certificate: every variant
// gets the same reason, ID and key from both, the AC-issued shapes are decided by the fast path
// itself and everything outside them is left to the reference.

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

#include "tests/crypto/x509_differential.h"

namespace rcas::crypto::testing {
namespace {

using Edit = std::function<bool(X509*)>;

constexpr const char* kVectorCerts[] = {"ac-root",
                                        "cam",
                                        "cass",
                                        "bad-cam-ca",
                                        "bad-cam-expired",
                                        "bad-cam-no-keyencipherment",
                                        "bad-cam-other-id",
                                        "bad-cam-short-serial",
                                        "bad-cam-wrong-signer",
                                        "bad-cass-other-id"};

// Edge times of the vector windows (2025-01-01 .. 2049-12-31T23:59:59, expired 2000 .. 2001).
constexpr int64_t kTimes[] = {kInside,    1735689600, 1735689599,   2524607999,
                              2524608000, 946684800,  978307200,    978307201,
                              0,          -1,         253402300799, 253402300800};

Bytes VectorDer(const std::string& name) {
  return *CertificatePemToDer(rcas::testing::ReadFile("vectors/pki/" + name + ".cert.pem"));
}

std::optional<LeafOutcome> FastCam(ByteView cert) {
  CamId id{};
  return CheckLeafFast(VectorPki::Get().root, cert,
                       {kKeyUsageDigitalSignature | kKeyUsageKeyEncipherment, kInside}, id);
}

TEST(CertFastPath, VectorCertificatesAtEdgeTimes) {
  Differential diff(VectorPki::Get().root);
  for (const char* name : kVectorCerts) {
    for (int64_t now : kTimes) {
      diff.Compare(VectorDer(name), now);
    }
  }
  EXPECT_GT(diff.decided(CertCheck::kOk), 0);
  EXPECT_GT(diff.decided(CertCheck::kValidity), 0);
  EXPECT_GT(diff.decided(CertCheck::kCaLeaf), 0);
  EXPECT_GT(diff.decided(CertCheck::kKeyUsage), 0);
  EXPECT_GT(diff.decided(CertCheck::kSerialNumberFormat), 0);
  EXPECT_GT(diff.decided(CertCheck::kBadSignature), 0);
}

TEST(CertFastPath, EveryKeyUsageWithAndWithoutCa) {
  const VectorPki& pki = VectorPki::Get();
  Differential diff(pki.root);
  for (uint32_t ku = 0; ku < 256; ++ku) {
    for (bool ca : {false, true}) {
      CertSpec spec = CamCertSpec(kVectorCamId, "RCAS conformance test", {1735689600, 2524607999});
      spec.key_usage = ku;
      spec.ca = ca && ku % 16 == 0;  // a sample of CA leaves
      if (ca && !spec.ca) {
        continue;
      }
      auto cert = pki.issuer.Issue(pki.cam_key.Public(), spec);
      ASSERT_TRUE(cert.ok());
      diff.Compare(*cert);
    }
  }
  EXPECT_GT(diff.decided(CertCheck::kKeyUsage), 200);
  EXPECT_GT(diff.decided(CertCheck::kOk), 0);
  EXPECT_GT(diff.decided(CertCheck::kCaLeaf), 0);
}

TEST(CertFastPath, ValiditySerialNumberNamesAndKeySizes) {
  const VectorPki& pki = VectorPki::Get();
  Differential diff(pki.root);
  auto issue = [&](const CertSpec& spec, const RsaPublicKey& key) {
    auto cert = pki.issuer.Issue(key, spec);
    ASSERT_TRUE(cert.ok()) << cert.error();
    for (int64_t now : kTimes) {
      diff.Compare(*cert, now);
    }
  };
  const Validity windows[] = {{kInside, kInside},         {kInside - 1, kInside + 1},
                              {kInside + 1, kInside + 2}, {1735689600, 2524608000},
                              {-631152000, kInside},      {kInside, 4102444800},
                              {2524608000, 2524608001},   {0, 253402300799}};
  for (const Validity& window : windows) {
    issue(CamCertSpec(kVectorCamId, "RCAS conformance test", window), pki.cam_key.Public());
  }
  const char* serials[] = {"",
                           "010203040506070",
                           "01020304050607080",
                           "010203040506070a",
                           "0102030405060708 ",
                           "01020304050607G8",
                           "0000000A",
                           "0102 304050607",
                           "01020304050607@8",
                           "0102030405*60708"};
  for (const char* serial : serials) {
    CertSpec spec = CamCertSpec(kVectorCamId, "RCAS conformance test", {0, 4102444800});
    spec.serial_number = serial;
    issue(spec, pki.cam_key.Public());
    spec.common_name.clear();
    spec.organization.clear();
    issue(spec, pki.cam_key.Public());
  }
  for (int bits : {1024, 2047, 2049}) {
    auto key = RsaPrivateKey::Generate(bits);
    ASSERT_TRUE(key.ok());
    issue(CamCertSpec(kVectorCamId, "RCAS conformance test", {0, 4102444800}), key->Public());
  }
  EXPECT_GT(diff.decided(CertCheck::kValidity), 0);
  EXPECT_GT(diff.decided(CertCheck::kSerialNumberFormat), 0);
  EXPECT_GT(diff.decided(CertCheck::kOk), 0);
}

bool AddExtension(X509* x, const char* oid, bool critical) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
  ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
  constexpr unsigned char kNull[] = {0x05, 0x00};
  X509_EXTENSION* ext = nullptr;
  bool ok = obj != nullptr && value != nullptr && ASN1_OCTET_STRING_set(value, kNull, 2) == 1 &&
            (ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, critical ? 1 : 0, value)) &&
            X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(value);
  ASN1_OBJECT_free(obj);
  return ok;
}

bool SetSubject(X509* x, const std::vector<std::tuple<int, int, std::string, int>>& entries,
                bool issuer) {
  X509NamePtr name(X509_NAME_new());
  for (const auto& [nid, type, text, set] : entries) {
    if (X509_NAME_add_entry_by_NID(name.get(), nid, type,
                                   reinterpret_cast<const unsigned char*>(text.data()),
                                   static_cast<int>(text.size()), -1, set) != 1) {
      return false;
    }
  }
  return (issuer ? X509_set_issuer_name(x, name.get()) : X509_set_subject_name(x, name.get())) == 1;
}

// The edits: each leaves the AC-issued shape, and `fast` says whether the fast path still
// decides the result itself.
struct NamedEdit {
  const char* what;
  bool fast;
  Edit edit;
};

std::vector<NamedEdit> Edits() {
  constexpr int kUtf8 = MBSTRING_UTF8;
  constexpr int kPrintable = V_ASN1_PRINTABLESTRING;
  const std::string org = "RCAS conformance test";
  const std::string hex = "0102030405060708";
  return {
      {"unchanged", true, [](X509*) { return true; }},
      {"unknown critical extension", false,
       [](X509* x) { return AddExtension(x, "1.3.6.1.4.1.99999.1", true); }},
      {"unknown extension", false,
       [](X509* x) { return AddExtension(x, "1.3.6.1.4.1.99999.1", false); }},
      {"critical subjectKeyIdentifier", false,
       [](X509* x) { return AddExtension(x, "2.5.29.14", true); }},
      {"undecodable extKeyUsage", false,
       [](X509* x) { return AddExtension(x, "2.5.29.37", false); }},
      {"repeated keyUsage", false,
       [](X509* x) {
         return X509_add_ext(x, X509_get_ext(x, X509_get_ext_by_NID(x, NID_key_usage, -1)), -1) ==
                1;
       }},
      {"keyUsage not critical", true,
       [](X509* x) {
         ASN1_BIT_STRING* ku =
             static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(x, NID_key_usage, nullptr, nullptr));
         bool ok =
             ku != nullptr && X509_add1_ext_i2d(x, NID_key_usage, ku, 0, X509V3_ADD_REPLACE) == 1;
         ASN1_BIT_STRING_free(ku);
         return ok;
       }},
      {"keyUsage with decipherOnly", true,
       [](X509* x) {
         ASN1_BIT_STRING* ku =
             static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(x, NID_key_usage, nullptr, nullptr));
         bool ok = ku != nullptr && ASN1_BIT_STRING_set_bit(ku, 8, 1) == 1 &&
                   X509_add1_ext_i2d(x, NID_key_usage, ku, 1, X509V3_ADD_REPLACE) == 1;
         ASN1_BIT_STRING_free(ku);
         return ok;
       }},
      {"basicConstraints pathLen", false,
       [](X509* x) {
         BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
         bc->pathlen = ASN1_INTEGER_new();
         return ASN1_INTEGER_set(bc->pathlen, 0) == 1 &&
                X509_add1_ext_i2d(x, NID_basic_constraints, bc.get(), 1, X509V3_ADD_REPLACE) == 1;
       }},
      {"version 1", false, [](X509* x) { return X509_set_version(x, X509_VERSION_1) == 1; }},
      {"version 2", false, [](X509* x) { return X509_set_version(x, X509_VERSION_2) == 1; }},
      {"zero certificate serial", true,
       [](X509* x) { return ASN1_INTEGER_set(X509_get_serialNumber(x), 0) == 1; }},
      {"negative certificate serial", true,
       [](X509* x) { return ASN1_INTEGER_set(X509_get_serialNumber(x), -5) == 1; }},
      {"serialNumber as UTF8String", true,
       [=](X509* x) {
         return SetSubject(x, {{NID_serialNumber, kUtf8, hex, 0}}, false);
       }},
      {"two serialNumbers", true,
       [=](X509* x) {
         return SetSubject(
             x, {{NID_serialNumber, kPrintable, hex, 0}, {NID_serialNumber, kPrintable, hex, 0}},
             false);
       }},
      {"multi-valued RDN", false,
       [=](X509* x) {
         return SetSubject(
             x, {{NID_organizationName, kUtf8, org, 0}, {NID_serialNumber, kPrintable, hex, -1}},
             false);
       }},
      {"e-mail attribute", false,
       [=](X509* x) {
         return SetSubject(x,
                           {{NID_pkcs9_emailAddress, V_ASN1_IA5STRING, "a@b", 0},
                            {NID_serialNumber, kPrintable, hex, 0}},
                           false);
       }},
      {"non-ASCII UTF8String", false,
       [=](X509* x) {
         return SetSubject(x,
                           {{NID_commonName, kUtf8, "\xc3\xa9t\xc3\xa9", 0},
                            {NID_serialNumber, kPrintable, hex, 0}},
                           false);
       }},
      {"issuer differs in case only", false,
       [=](X509* x) {
         return SetSubject(x,
                           {{NID_organizationName, kUtf8, "rcas CONFORMANCE test", 0},
                            {NID_commonName, kUtf8, "RCAS Test AC Root", 0}},
                           true);
       }},
      {"issuer as PrintableString", false,
       [=](X509* x) {
         return SetSubject(x,
                           {{NID_organizationName, kPrintable, org, 0},
                            {NID_commonName, kPrintable, "RCAS Test AC Root", 0}},
                           true);
       }},
      {"other issuer", false,
       [=](X509* x) {
         return SetSubject(x, {{NID_commonName, kUtf8, "someone else", 0}}, true);
       }},
      {"GeneralizedTime before 2050", true,
       [](X509* x) {
         return ASN1_GENERALIZEDTIME_set(X509_getm_notBefore(x), 1735689600) != nullptr;
       }},
      {"UTCTime without seconds", false,
       [](X509* x) { return ASN1_STRING_set(X509_getm_notAfter(x), "4912312359Z", -1) == 1; }},
      {"UTCTime with offset", false,
       [](X509* x) {
         return ASN1_STRING_set(X509_getm_notAfter(x), "491231235959+0100", -1) == 1;
       }},
      {"second 60", false,
       [](X509* x) { return ASN1_STRING_set(X509_getm_notAfter(x), "491231235960Z", -1) == 1; }},
      {"February 29 of 2025", false,
       [](X509* x) { return ASN1_STRING_set(X509_getm_notBefore(x), "250229000000Z", -1) == 1; }},
      {"February 29 of 2028", true,
       [](X509* x) { return ASN1_STRING_set(X509_getm_notAfter(x), "280229000000Z", -1) == 1; }},
      {"EC subject key", false,
       [](X509* x) {
         EvpPkeyPtr ec(EVP_EC_gen("P-256"));
         return ec && X509_set_pubkey(x, ec.get()) == 1;
       }},
  };
}

TEST(CertFastPath, ReissuedEditsAgreeAndLeaveTheShapeToTheReference) {
  const VectorPki& pki = VectorPki::Get();
  Differential diff(pki.root);
  for (const NamedEdit& e : Edits()) {
    Bytes cert = Reissue(pki.cam_cert, pki.root_key, e.edit);
    ASSERT_FALSE(cert.empty()) << e.what;
    for (int64_t now : kTimes) {
      diff.Compare(cert, now);
    }
    EXPECT_EQ(FastCam(cert).has_value(), e.fast) << e.what;
  }
  // Another digest is another algorithm identifier: the reference says why.
  Bytes sha384 = Reissue(
      pki.cam_cert, pki.root_key, [](X509*) { return true; }, EVP_sha384());
  diff.Compare(sha384);
  EXPECT_FALSE(FastCam(sha384).has_value());
}

}  // namespace
}  // namespace rcas::crypto::testing
