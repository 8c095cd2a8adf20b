// End to end: run the built rcasctl ($RCAS_BUILD_DIR/tools/rcasctl, set by ctest) to make a PKI
// in a temp folder, then check its outputs with the library: certificates pass the PROFILE
// §10.4 checks, records match between the AC and CAM-side files, keys match certificates.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <set>

#include "crypto/aes.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "tests/common/temp_dir.h"
#include "tests/tools/rcasctl_runner.h"
#include "tools/provisioning.h"

namespace rcas::tools {
namespace {

constexpr char kOp[] = "cdc202d5123e20f62b6d676ac72cb318";  // TS 35.208 set 1 OP

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

class Rcasctl : public RcasctlTest {
 protected:
  void SetUp() override {
    RcasctlTest::SetUp();
    pki_ = dir_.File("pki");
  }

  std::vector<CamRecord> ReadRecords(const std::string& path, ProvisioningKind kind) {
    std::vector<CamRecord> out;
    auto reader = ProvisioningReader::Open(path);
    EXPECT_TRUE(reader.ok()) << reader.error();
    if (!reader) {
      return out;
    }
    EXPECT_EQ(reader->kind(), kind);
    for (;;) {
      CamRecord r;
      auto more = reader->Next(r);
      EXPECT_TRUE(more.ok()) << more.error();
      if (!more || !*more) {
        return out;
      }
      out.push_back(r);
    }
  }

  std::string pki_;
};

TEST_F(Rcasctl, MakesAPkiWhoseOutputsPassTheChecks) {
  ASSERT_EQ(Run("pki init --out " + pki_), 0) << err_;
  ASSERT_EQ(Run("pki cass --id 0000000a --pki " + pki_), 0) << err_;
  ASSERT_EQ(Run("pki cams --count 25 --share-key 10 --first-id 00000000000000f0 "
                "--dsc-prefix 0a0b --jobs 3 --op " +
                std::string(kOp) + " --pki " + pki_),
            0)
      << err_;

  auto root = crypto::TrustAnchor::FromPem(dir_.Read("pki/ac-root.cert.pem"));
  ASSERT_TRUE(root.ok()) << root.error();
  auto cass_der = crypto::CertificatePemToDer(dir_.Read("pki/cass-0000000A.cert.pem"));
  ASSERT_TRUE(cass_der.ok());
  const crypto::CassId cass_id = {0, 0, 0, 0x0a};
  auto cass = crypto::CheckCassCertificate(*root, *cass_der, cass_id, Now());
  ASSERT_TRUE(cass.ok()) << crypto::CertCheckName(cass.reason);
  auto cass_key = crypto::RsaPrivateKey::FromPem(dir_.Read("pki/cass-0000000A.key.pem"));
  ASSERT_TRUE(cass_key.ok());
  EXPECT_EQ(ToHex(cass_key->Public().SpkiDer()), ToHex(cass.subject_key->SpkiDer()));

  auto ac = ReadRecords(pki_ + "/cams.ac.rcpv", ProvisioningKind::kAc);
  auto cam = ReadRecords(pki_ + "/cams.cam.rcpv", ProvisioningKind::kCam);
  ASSERT_EQ(ac.size(), 25u);
  ASSERT_EQ(cam.size(), 25u);
  Bytes op = *FromHex(kOp);
  std::set<std::string> kis;
  std::set<std::string> key_files;
  for (size_t i = 0; i < ac.size(); ++i) {
    SCOPED_TRACE(i);
    const CamRecord& r = ac[i];
    EXPECT_EQ(LoadBe64(r.cam_id.data()), 0xf0 + i);  // in order, from --first-id
    EXPECT_EQ(ToHex(r.dsc_id), "0a0b" + std::string(60, '0') + ToHex(r.cam_id));
    EXPECT_TRUE(r.key_file.empty());
    auto checked = crypto::CheckCamCertificate(*root, r.certificate_der, r.KeyPairingId(), Now());
    ASSERT_TRUE(checked.ok()) << crypto::CertCheckName(checked.reason);
    EXPECT_EQ(checked.id, r.cam_id);
    for (const KiOpc& pair : r.keys) {
      kis.insert(ToHex(pair.ki.view()));
      crypto::AesBlock opc = crypto::AesEncryptBlock(pair.ki.view(), op);
      for (size_t k = 0; k < 16; ++k) {
        opc[k] ^= op[k];
      }
      EXPECT_EQ(ToHex(opc), ToHex(pair.opc.view()));  // OPc = AES_Ki(OP) xor OP
    }
    // The CAM-side record is the same CAM plus its key file, which holds the certified key.
    const CamRecord& c = cam[i];
    EXPECT_EQ(c.cam_id, r.cam_id);
    EXPECT_EQ(c.dsc_id, r.dsc_id);
    EXPECT_EQ(ToHex(c.keys[2].opc.view()), ToHex(r.keys[2].opc.view()));
    EXPECT_EQ(c.certificate_der, r.certificate_der);
    key_files.insert(c.key_file);
    std::string key_path = pki_ + "/" + c.key_file;
    struct stat st {};
    ASSERT_EQ(::stat(key_path.c_str(), &st), 0) << key_path;
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto key = crypto::RsaPrivateKey::FromPem(dir_.Read("pki/" + c.key_file));
    ASSERT_TRUE(key.ok()) << key.error();
    EXPECT_EQ(ToHex(key->Public().SpkiDer()), ToHex(checked.subject_key->SpkiDer()));
  }
  EXPECT_EQ(kis.size(), 75u);       // every Ki fresh
  EXPECT_EQ(key_files.size(), 3u);  // 25 CAMs, 10 per key
}

TEST_F(Rcasctl, BadInputFailsWithOneErrorLine) {
  ASSERT_EQ(Run("pki init --out " + pki_), 0) << err_;
  ExpectOneLineError("pki cass --id 0000000g --pki " + pki_);
  ExpectOneLineError("pki cass --id 00000001 --pki " + dir_.File("missing"));
  ExpectOneLineError("pki cams --count 0 --pki " + pki_);
  ExpectOneLineError("pki cams --count 2 --first-id 0102 --pki " + pki_);
  ExpectOneLineError("pki cams --count 2 --first-id ffffffffffffffff --pki " + pki_);
  ExpectOneLineError("pki cams --count 2 --dsc-prefix " + std::string(66, 'a') + " --pki " + pki_);
  ExpectOneLineError("pki cams --count 2 --pki " + dir_.path().string());  // no AC root there
  ExpectOneLineError("pki init --out " + pki_);                            // never clobbers
  ExpectOneLineError("pki frobnicate");
  ASSERT_EQ(Run("pki cams --count 1 --pki " + pki_), 0) << err_;
  ExpectOneLineError("pki cams --count 1 --pki " + pki_);
  EXPECT_EQ(Run("pki cams --count 1 --force --pki " + pki_), 0) << err_;
}

}  // namespace
}  // namespace rcas::tools
