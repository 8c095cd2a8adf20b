#include "crypto/rsa.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdlib>

#include "crypto/sign_kpk.h"
#include "crypto/x509.h"
#include "tests/common/temp_dir.h"
#include "tests/common/vectors.h"

namespace rcas::crypto {
namespace {

using rcas::testing::Hex;
using rcas::testing::LoadJson;
using rcas::testing::ReadFile;
using rcas::testing::TempDir;

RsaPrivateKey LoadKey(const std::string& name) {
  auto key = RsaPrivateKey::FromPem(ReadFile("vectors/pki/" + name));
  if (!key) {
    throw std::runtime_error(key.error());
  }
  return *key;
}

// CertKey is the subject key of a vector certificate, through the CASS check it must pass.
RsaPublicKey CassCertKey() {
  auto root = TrustAnchor::FromPem(ReadFile("vectors/pki/ac-root.cert.pem"));
  auto der = CertificatePemToDer(ReadFile("vectors/pki/cass.cert.pem"));
  if (!root || !der) {
    throw std::runtime_error("vector PKI does not load");
  }
  auto checked = CheckCassCertificate(*root, *der, Hex(std::string("0000000a")), std::nullopt);
  if (!checked.ok()) {
    throw std::runtime_error("cass.cert.pem fails its check");
  }
  return *checked.subject_key;
}

nlohmann::json MessageCase(const std::string& type) {
  const nlohmann::json all = LoadJson("vectors/messages.json");
  for (const auto& c : all["cases"]) {
    if (c.value("type", "") == type) {
      return c;
    }
  }
  throw std::runtime_error("no messages.json case of type " + type);
}

// Signed is a signed vector message split into header ‖ content and the 256-octet trailer.
struct Signed {
  Bytes signed_part;
  Bytes signature;
};
Signed SplitSigned(const nlohmann::json& c) {
  Bytes message = Hex(c["expected"]["message"]);
  Bytes body(message.begin(), message.end() - kRsaLen);
  Bytes trailer(message.end() - kRsaLen, message.end());
  return {body, trailer};
}

std::string AsString(ByteView b) { return std::string(b.begin(), b.end()); }

// Quiet runs a shell command with its output discarded and returns its exit status.
int Quiet(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

TEST(RsaVectors, KeyRequestSignatureEqualsVectorTrailer) {
  // RSASSA-PKCS1-v1_5 is deterministic, so our signature must be the vector's octets.
  for (const std::string type : {"0003", "000d"}) {
    SCOPED_TRACE(type);
    Signed m = SplitSigned(MessageCase(type));
    RsaPrivateKey cam = LoadKey("cam.key.pem");
    EXPECT_EQ(ToHex(cam.SignPkcs1Sha256(m.signed_part)), ToHex(m.signature));
    EXPECT_TRUE(cam.Public().VerifyPkcs1Sha256(m.signed_part, m.signature));
  }
}

TEST(RsaVectors, ResponseSignaturesVerifyWithCassCertificateKey) {
  RsaPublicKey cass = CassCertKey();
  for (const std::string type : {"0004", "000e"}) {
    SCOPED_TRACE(type);
    Signed m = SplitSigned(MessageCase(type));
    EXPECT_TRUE(cass.VerifyPkcs1Sha256(m.signed_part, m.signature));
    m.signed_part[20] ^= 0x01;
    EXPECT_FALSE(cass.VerifyPkcs1Sha256(m.signed_part, m.signature));
  }
}

TEST(RsaVectors, ResponseOaepCiphertextsDecryptWithCamKey) {
  RsaPrivateKey cam = LoadKey("cam.key.pem");
  for (const std::string type : {"0004", "000e"}) {
    SCOPED_TRACE(type);
    auto c = MessageCase(type);
    Bytes cipher = Hex(c["inputs"]["content"]["rSAEncryptedContent"]);
    ASSERT_EQ(cipher.size(), kRsaLen);
    auto plain = cam.DecryptOaepSha256(cipher);
    ASSERT_TRUE(plain.has_value());
    EXPECT_EQ(ToHex(plain->view()), c["expected"]["oaep_plaintext"].get<std::string>());
  }
}

TEST(RsaVectors, SignKpkVerifiesAgainstAcRootAndIsReproduced) {
  auto c = MessageCase("0004");
  Bytes input = Hex(c["expected"]["sign_kpk_input"]);
  Bytes sign_kpk = Hex(c["inputs"]["content"]["sIGN-kpk"]);
  ASSERT_EQ(input.size(), kKeyPairingIdLen + kKpkLen);
  ByteView kpid(input.data(), kKeyPairingIdLen);
  ByteView kpk(input.data() + kKeyPairingIdLen, kKpkLen);
  auto root = TrustAnchor::FromPem(ReadFile("vectors/pki/ac-root.cert.pem"));
  ASSERT_TRUE(root.ok()) << root.error();
  EXPECT_TRUE(VerifyKpk(root->public_key(), kpid, kpk, sign_kpk));
  EXPECT_EQ(ToHex(SignKpk(LoadKey("ac-root.key.pem"), kpid, kpk)), ToHex(sign_kpk));

  Bytes other_kpk(kpk.begin(), kpk.end());
  other_kpk[0] ^= 0x80;
  EXPECT_FALSE(VerifyKpk(root->public_key(), kpid, other_kpk, sign_kpk));
  EXPECT_FALSE(VerifyKpk(LoadKey("cass.key.pem").Public(), kpid, kpk, sign_kpk));
  EXPECT_FALSE(VerifyKpk(root->public_key(), kpid, kpk.first(16), sign_kpk));
  EXPECT_TRUE(SignKpk(LoadKey("ac-root.key.pem"), kpid.first(40), kpk).empty());
}

class RsaFresh : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new RsaPrivateKey(*RsaPrivateKey::Generate());
    other_ = new RsaPrivateKey(*RsaPrivateKey::Generate());
  }
  static void TearDownTestSuite() {
    delete key_;
    delete other_;
  }
  static RsaPrivateKey* key_;
  static RsaPrivateKey* other_;
};
RsaPrivateKey* RsaFresh::key_ = nullptr;
RsaPrivateKey* RsaFresh::other_ = nullptr;

TEST_F(RsaFresh, GeneratesRsa2048WithExponent65537) {
  EXPECT_EQ(key_->bits(), 2048);
  EXPECT_EQ(key_->Public().bits(), 2048);
  BIGNUM* e = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(key_->get(), OSSL_PKEY_PARAM_RSA_E, &e), 1);
  EXPECT_EQ(BN_get_word(e), 65537u);
  BN_free(e);
  EXPECT_NE(ToHex(key_->Public().SpkiDer()), ToHex(other_->Public().SpkiDer()));
  EXPECT_FALSE(RsaPrivateKey::Generate(512).ok());
}

TEST_F(RsaFresh, OaepRoundTripsUpToMaximumPlaintext) {
  // RSA-2048 OAEP-SHA-256 carries at most 256 - 2*32 - 2 = 190 octets (PROFILE §8).
  for (size_t n : {size_t{0}, size_t{1}, size_t{122}, size_t{190}}) {
    SCOPED_TRACE(n);
    Bytes plain(n, 0x5a);
    auto cipher = key_->Public().EncryptOaepSha256(plain);
    ASSERT_TRUE(cipher.ok()) << cipher.error();
    ASSERT_EQ(cipher->size(), kRsaLen);
    auto back = key_->DecryptOaepSha256(*cipher);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(ToHex(back->view()), ToHex(plain));
  }
  EXPECT_FALSE(key_->Public().EncryptOaepSha256(Bytes(191, 1)).ok());
}

TEST_F(RsaFresh, OaepIsRandomised) {
  Bytes plain(32, 7);
  EXPECT_NE(ToHex(*key_->Public().EncryptOaepSha256(plain)),
            ToHex(*key_->Public().EncryptOaepSha256(plain)));
}

TEST_F(RsaFresh, DecryptRejectsTamperedWrongSizeAndWrongKey) {
  Bytes cipher = *key_->Public().EncryptOaepSha256(AsView("secret"));
  EXPECT_FALSE(other_->DecryptOaepSha256(cipher).has_value());
  for (size_t i : {size_t{0}, size_t{100}, kRsaLen - 1}) {
    Bytes bad = cipher;
    bad[i] ^= 0x01;
    EXPECT_FALSE(key_->DecryptOaepSha256(bad).has_value()) << i;
  }
  EXPECT_FALSE(key_->DecryptOaepSha256(ByteView(cipher).first(kRsaLen - 1)).has_value());
  Bytes longer = cipher;
  longer.push_back(0);
  EXPECT_FALSE(key_->DecryptOaepSha256(longer).has_value());
  EXPECT_FALSE(key_->DecryptOaepSha256({}).has_value());
}

TEST_F(RsaFresh, VerifyRejectsTamperedWrongLengthAndWrongKey) {
  Bytes msg(100, 0x33);
  Bytes sig = key_->SignPkcs1Sha256(msg);
  ASSERT_EQ(sig.size(), kRsaLen);
  EXPECT_TRUE(key_->Public().VerifyPkcs1Sha256(msg, sig));
  EXPECT_FALSE(other_->Public().VerifyPkcs1Sha256(msg, sig));
  Bytes bad = sig;
  bad[kRsaLen / 2] ^= 0x10;
  EXPECT_FALSE(key_->Public().VerifyPkcs1Sha256(msg, bad));
  Bytes changed = msg;
  changed.back() ^= 1;
  EXPECT_FALSE(key_->Public().VerifyPkcs1Sha256(changed, sig));
  // A leading zero octet keeps the integer value: length alone must reject it.
  Bytes prefixed(1, 0);
  Append(prefixed, sig);
  EXPECT_FALSE(key_->Public().VerifyPkcs1Sha256(msg, prefixed));
  EXPECT_FALSE(key_->Public().VerifyPkcs1Sha256(msg, ByteView(sig).subspan(1)));
  EXPECT_FALSE(key_->Public().VerifyPkcs1Sha256(msg, {}));
}

TEST_F(RsaFresh, PemAndSpkiRoundTrip) {
  std::string pem = key_->ToPem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  auto back = RsaPrivateKey::FromPem(pem);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(ToHex(back->Public().SpkiDer()), ToHex(key_->Public().SpkiDer()));

  Bytes spki = key_->Public().SpkiDer();
  auto pub = RsaPublicKey::FromSpkiDer(spki);
  ASSERT_TRUE(pub.ok()) << pub.error();
  Bytes msg(10, 1);
  EXPECT_TRUE(pub->VerifyPkcs1Sha256(msg, key_->SignPkcs1Sha256(msg)));
  spki.push_back(0);
  EXPECT_FALSE(RsaPublicKey::FromSpkiDer(spki).ok());
  EXPECT_FALSE(RsaPublicKey::FromSpkiDer(ByteView(spki).first(40)).ok());
}

TEST(RsaPem, ReadsPkcs1AndRejectsEncryptedAndNonRsaKeys) {
  TempDir dir;
  std::string pkcs8 = dir.Write("cam.pem", ReadFile("vectors/pki/cam.key.pem"));
  ASSERT_EQ(Quiet("openssl pkey -traditional -in " + pkcs8 + " -out " + dir.File("p1.pem")), 0);
  std::string pkcs1 = dir.Read("p1.pem");
  ASSERT_NE(pkcs1.find("BEGIN RSA PRIVATE KEY"), std::string::npos);
  auto key1 = RsaPrivateKey::FromPem(pkcs1);
  ASSERT_TRUE(key1.ok()) << key1.error();
  Bytes msg(5, 9);
  EXPECT_EQ(ToHex(key1->SignPkcs1Sha256(msg)), ToHex(LoadKey("cam.key.pem").SignPkcs1Sha256(msg)));

  ASSERT_EQ(
      Quiet("openssl pkey -aes128 -passout pass:x -in " + pkcs8 + " -out " + dir.File("enc.pem")),
      0);
  EXPECT_FALSE(RsaPrivateKey::FromPem(dir.Read("enc.pem")).ok());

  ASSERT_EQ(Quiet("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
                  dir.File("ec.pem")),
            0);
  ASSERT_EQ(
      Quiet("openssl pkey -pubout -in " + dir.File("ec.pem") + " -out " + dir.File("ecpub.pem")),
      0);
  EXPECT_FALSE(RsaPrivateKey::FromPem(dir.Read("ec.pem")).ok());
  EXPECT_FALSE(RsaPublicKey::FromPem(dir.Read("ecpub.pem")).ok());
  EXPECT_FALSE(RsaPrivateKey::FromPem("not a key").ok());
}

// Differential against the OpenSSL command line: independent padding code paths.
TEST_F(RsaFresh, SignatureVerifiesWithOpensslCli) {
  TempDir dir;
  Bytes msg(1000, 0xab);
  msg[0] = 0x00;
  std::string msg_path = dir.Write("msg", AsString(msg));
  std::string sig_path = dir.Write("sig", AsString(key_->SignPkcs1Sha256(msg)));
  std::string key_path = dir.Write("key.pem", key_->ToPem());
  ASSERT_EQ(Quiet("openssl pkey -pubout -in " + key_path + " -out " + dir.File("pub.pem")), 0);
  const std::string verify = "openssl dgst -sha256 -verify " + dir.File("pub.pem") +
                             " -signature " + sig_path + " " + msg_path;
  EXPECT_EQ(Quiet(verify), 0);
  dir.Write("msg", AsString(ByteView(msg).first(999)));
  EXPECT_NE(Quiet(verify), 0);  // proves the CLI check can fail
}

TEST_F(RsaFresh, OpensslCliOaepCiphertextDecrypts) {
  TempDir dir;
  Bytes plain = Hex(std::string("30788014978bcd6b05f7ce15b80d7c537128fd2e6eb799a5"));
  std::string key_path = dir.Write("key.pem", key_->ToPem());
  dir.Write("plain", AsString(plain));
  const std::string opts =
      " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256";
  ASSERT_EQ(Quiet("openssl pkeyutl -encrypt -inkey " + key_path + opts + " -in " +
                  dir.File("plain") + " -out " + dir.File("cipher")),
            0);
  std::string cipher = dir.Read("cipher");
  ASSERT_EQ(cipher.size(), kRsaLen);
  auto back = key_->DecryptOaepSha256(AsView(cipher));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(ToHex(back->view()), ToHex(plain));

  // And the other way: our ciphertext decrypts with the CLI.
  dir.Write("ours", AsString(*key_->Public().EncryptOaepSha256(plain)));
  ASSERT_EQ(Quiet("openssl pkeyutl -decrypt -inkey " + key_path + opts + " -in " +
                  dir.File("ours") + " -out " + dir.File("ours.plain")),
            0);
  EXPECT_EQ(dir.Read("ours.plain"), AsString(plain));
}

}  // namespace
}  // namespace rcas::crypto
