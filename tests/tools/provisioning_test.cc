#include "tools/provisioning.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "crypto/random.h"
#include "tests/common/temp_dir.h"

namespace rcas::tools {
namespace {

using rcas::testing::TempDir;

CamRecord RandomRecord(uint8_t n, ProvisioningKind kind) {
  CamRecord r;
  crypto::RandomBytes(r.cam_id);
  crypto::RandomBytes(r.dsc_id);
  for (KiOpc& pair : r.keys) {
    crypto::RandomBytes(pair.ki.mutable_view());
    crypto::RandomBytes(pair.opc.mutable_view());
  }
  r.certificate_der.assign(700 + n, n);
  if (kind == ProvisioningKind::kCam) {
    r.key_file = "cams-keys/key-00000" + std::to_string(n) + ".pem";
  }
  return r;
}

void ExpectSame(const CamRecord& a, const CamRecord& b) {
  EXPECT_EQ(a.cam_id, b.cam_id);
  EXPECT_EQ(a.dsc_id, b.dsc_id);
  for (size_t j = 0; j < kKiOpcPairs; ++j) {
    EXPECT_EQ(ToHex(a.keys[j].ki.view()), ToHex(b.keys[j].ki.view()));
    EXPECT_EQ(ToHex(a.keys[j].opc.view()), ToHex(b.keys[j].opc.view()));
  }
  EXPECT_EQ(a.certificate_der, b.certificate_der);
  EXPECT_EQ(a.key_file, b.key_file);
}

// ReadAll reads a file to its end and returns the error, or "" if it verified.
std::string ReadAll(const std::string& path, std::vector<CamRecord>* out = nullptr) {
  auto reader = ProvisioningReader::Open(path);
  if (!reader) {
    return reader.error();
  }
  for (;;) {
    CamRecord r;
    auto more = reader->Next(r);
    if (!more) {
      return more.error();
    }
    if (!*more) {
      return "";
    }
    if (out != nullptr) {
      out->push_back(r);
    }
  }
}

class ProvisioningFile : public ::testing::TestWithParam<ProvisioningKind> {
 protected:
  // WriteFile writes `n` random records and returns them.
  std::vector<CamRecord> WriteFile(const std::string& path, int n) {
    std::vector<CamRecord> records;
    auto w = ProvisioningWriter::Create(path, GetParam());
    EXPECT_TRUE(w.ok()) << w.error();
    for (int i = 0; i < n; ++i) {
      records.push_back(RandomRecord(static_cast<uint8_t>(i), GetParam()));
      EXPECT_TRUE(w->Append(records.back()).ok());
    }
    EXPECT_EQ(w->count(), static_cast<uint64_t>(n));
    EXPECT_TRUE(w->Finish().ok());
    return records;
  }
  TempDir dir_;
};

TEST_P(ProvisioningFile, RoundTripsEveryFieldInOrder) {
  std::string path = dir_.File("f.rcpv");
  auto written = WriteFile(path, 5);
  auto reader = ProvisioningReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.error();
  EXPECT_EQ(reader->kind(), GetParam());
  for (const CamRecord& want : written) {
    CamRecord got;
    auto more = reader->Next(got);
    ASSERT_TRUE(more.ok()) << more.error();
    ASSERT_TRUE(*more);
    ExpectSame(got, want);
  }
  CamRecord extra;
  auto end = reader->Next(extra);
  ASSERT_TRUE(end.ok()) << end.error();
  EXPECT_FALSE(*end);
  EXPECT_EQ(reader->count(), 5u);
  EXPECT_FALSE(*reader->Next(extra));  // stays at the end
}

TEST_P(ProvisioningFile, EmptyFileVerifies) {
  std::string path = dir_.File("empty.rcpv");
  WriteFile(path, 0);
  EXPECT_EQ(ReadAll(path), "");
}

TEST_P(ProvisioningFile, IsPrivateToItsOwner) {
  std::string path = dir_.File("f.rcpv");
  WriteFile(path, 1);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_P(ProvisioningFile, EveryTruncationIsRejected) {
  std::string path = dir_.File("f.rcpv");
  WriteFile(path, 2);
  std::string data = dir_.Read("f.rcpv");
  for (size_t cut = 0; cut < data.size(); cut += (cut < 40 || cut > data.size() - 60) ? 1 : 97) {
    dir_.Write("cut.rcpv", std::string_view(data).substr(0, cut));
    EXPECT_NE(ReadAll(dir_.File("cut.rcpv")), "") << cut;
  }
}

TEST_P(ProvisioningFile, AnyChangedOctetIsRejected) {
  std::string path = dir_.File("f.rcpv");
  WriteFile(path, 2);
  std::string data = dir_.Read("f.rcpv");
  for (size_t i = 0; i < data.size(); i += (i < 200 || i > data.size() - 60) ? 1 : 53) {
    std::string bad = data;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    dir_.Write("bad.rcpv", bad);
    EXPECT_NE(ReadAll(dir_.File("bad.rcpv")), "") << i;
  }
  dir_.Write("tail.rcpv", data + "x");
  EXPECT_NE(ReadAll(dir_.File("tail.rcpv")), "");
}

INSTANTIATE_TEST_SUITE_P(Kinds, ProvisioningFile,
                         ::testing::Values(ProvisioningKind::kAc, ProvisioningKind::kCam),
                         [](const ::testing::TestParamInfo<ProvisioningKind>& param) {
                           return param.param == ProvisioningKind::kAc ? "Ac" : "Cam";
                         });

TEST(ProvisioningRecord, HasTheDocumentedLayout) {
  CamRecord r = RandomRecord(1, ProvisioningKind::kCam);
  Bytes body;
  ASSERT_TRUE(EncodeRecord(r, ProvisioningKind::kCam, body).ok());
  // CAM_ID 8, DSC_ID 40, 3 x (Ki 16, OPc 16), u16 + cert, u16 + key file name (docs/pki.md).
  ASSERT_EQ(body.size(), 8 + 40 + 96 + 2 + 701 + 2 + r.key_file.size());
  EXPECT_EQ(ToHex(ByteView(body).first(8)), ToHex(r.cam_id));
  EXPECT_EQ(ToHex(ByteView(body).subspan(48, 16)), ToHex(r.keys[0].ki.view()));
  EXPECT_EQ(ToHex(ByteView(body).subspan(64, 16)), ToHex(r.keys[0].opc.view()));
  EXPECT_EQ(LoadBe16(body.data() + 144), 701);
  CamRecord back;
  EXPECT_TRUE(DecodeRecord(body, ProvisioningKind::kCam, back));
  ExpectSame(back, r);
  EXPECT_FALSE(DecodeRecord(body, ProvisioningKind::kAc, back));  // the key name is left over
  body.push_back(0);
  EXPECT_FALSE(DecodeRecord(body, ProvisioningKind::kCam, back));
}

TEST(ProvisioningRecord, EncodeRefusesMissingCertificateOrKeyFile) {
  CamRecord r = RandomRecord(1, ProvisioningKind::kAc);
  Bytes body;
  EXPECT_FALSE(EncodeRecord(r, ProvisioningKind::kCam, body).ok());  // no key file
  r.certificate_der.clear();
  EXPECT_FALSE(EncodeRecord(r, ProvisioningKind::kAc, body).ok());
}

TEST(ProvisioningRecord, KeyPairingIdIsCamIdThenDscId) {
  CamRecord r = RandomRecord(1, ProvisioningKind::kAc);
  auto kpid = r.KeyPairingId();
  EXPECT_EQ(ToHex(kpid), ToHex(r.cam_id) + ToHex(r.dsc_id));
}

TEST(ProvisioningHeader, RejectsOtherFilesVersionsAndKinds) {
  TempDir dir;
  std::string path = dir.File("f.rcpv");
  auto w = ProvisioningWriter::Create(path, ProvisioningKind::kAc);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w->Finish().ok());
  EXPECT_FALSE(w->Append(RandomRecord(1, ProvisioningKind::kAc)).ok());
  std::string good = dir.Read("f.rcpv");
  ASSERT_EQ(good.substr(0, 8), "RCASPROV");
  EXPECT_EQ(ReadAll(path), "");
  for (size_t at : {size_t{0}, size_t{9}, size_t{10}, size_t{11}, size_t{15}}) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] + 7);
    dir.Write("bad.rcpv", bad);
    EXPECT_FALSE(ProvisioningReader::Open(dir.File("bad.rcpv")).ok()) << at;
  }
  EXPECT_FALSE(ProvisioningReader::Open(dir.File("missing.rcpv")).ok());
}

}  // namespace
}  // namespace rcas::tools
