// tools/ac_ingest.h against a real store: unsorted input over several SST files, duplicates,
// corrupt and truncated files (nothing ingested), re-ingest keeping Annex C state, and the SST
// folder cleaned up whatever happened.

#include "tools/ac_ingest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "crypto/random.h"
#include "tests/common/temp_dir.h"

namespace rcas::tools {
namespace {

using rcas::testing::TempDir;

CamRecord MakeRecord(uint64_t n, ProvisioningKind kind) {
  CamRecord r;
  StoreBe64(r.cam_id.data(), n);
  crypto::RandomBytes(r.dsc_id);
  for (KiOpc& pair : r.keys) {
    crypto::RandomBytes(pair.ki.mutable_view());
    crypto::RandomBytes(pair.opc.mutable_view());
  }
  r.certificate_der.assign(600 + n % 50, static_cast<uint8_t>(n));
  if (kind == ProvisioningKind::kCam) {
    r.key_file = "cams-keys/key-000000.pem";
  }
  return r;
}

class AcIngest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions o;
    o.path = dir_.File("db");
    o.create_if_missing = true;
    auto store = storage::AcStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(*store);
  }

  void Write(const std::string& name, const std::vector<CamRecord>& records,
             ProvisioningKind kind = ProvisioningKind::kAc) {
    auto w = ProvisioningWriter::Create(dir_.File(name), kind);
    ASSERT_TRUE(w.ok()) << w.error();
    for (const CamRecord& r : records) {
      ASSERT_TRUE(w->Append(r).ok());
    }
    ASSERT_TRUE(w->Finish().ok());
  }

  Result<IngestSummary> Ingest(const std::string& name, size_t records_per_file = 1 << 18) {
    IngestOptions o;
    o.records_per_file = records_per_file;
    return IngestProvisioningFile(*store_, dir_.File(name), o);
  }

  void ExpectIdentity(const CamRecord& want) {
    auto got = store_->GetIdentity(want.cam_id);
    ASSERT_TRUE(got.ok()) << got.error();
    ASSERT_TRUE(got->has_value()) << ToHex(want.cam_id);
    EXPECT_EQ((*got)->dsc_id, want.dsc_id);
    for (size_t i = 0; i < kKiOpcPairs; ++i) {
      EXPECT_EQ(ToHex((*got)->keys[i].ki.view()), ToHex(want.keys[i].ki.view()));
      EXPECT_EQ(ToHex((*got)->keys[i].opc.view()), ToHex(want.keys[i].opc.view()));
    }
    EXPECT_EQ((*got)->certificate_der, want.certificate_der);
  }

  uint64_t Cams() {
    auto st = store_->Stats();
    EXPECT_TRUE(st.ok()) << st.error();
    return st.ok() ? st->cams : ~uint64_t{0};
  }

  // NoSstFolderLeft checks that no rcas-ingest-* folder remains in the store's folder.
  void NoSstFolderLeft() {
    for (const auto& e : std::filesystem::directory_iterator(dir_.File("db"))) {
      EXPECT_FALSE(e.is_directory() && e.path().filename().string().rfind("rcas-ingest-", 0) == 0)
          << e.path();
    }
  }

  TempDir dir_;
  std::unique_ptr<storage::AcStore> store_;
};

TEST_F(AcIngest, ShuffledInputOverSeveralFilesLandsWhole) {
  std::vector<CamRecord> records;
  for (uint64_t n = 1; n <= 60; ++n) {
    records.push_back(MakeRecord(n * 7919, ProvisioningKind::kAc));
  }
  std::shuffle(records.begin(), records.end(), std::mt19937(1));
  Write("f.rcpv", records);
  auto summary = Ingest("f.rcpv", 7);
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(summary->cams, 60u);
  EXPECT_GE(summary->sst_files, 9u);  // at least ceil(60 / 7): memory stays bounded
  EXPECT_EQ(Cams(), 60u);
  for (const CamRecord& r : records) {
    ExpectIdentity(r);
  }
  NoSstFolderLeft();
}

TEST_F(AcIngest, LaterRecordOfACamIdWinsInAFileAndAcrossFiles) {
  std::vector<CamRecord> records;
  for (uint64_t n = 1; n <= 10; ++n) {
    records.push_back(MakeRecord(n, ProvisioningKind::kAc));
  }
  records.push_back(MakeRecord(3, ProvisioningKind::kAc));  // same file as the first 3
  records.push_back(MakeRecord(9, ProvisioningKind::kAc));
  Write("f.rcpv", records);
  ASSERT_TRUE(Ingest("f.rcpv", 11).ok());  // 3 twice in file 1; 9 in file 1 and file 2
  EXPECT_EQ(Cams(), 10u);
  ExpectIdentity(records[10]);
  ExpectIdentity(records[11]);
  ExpectIdentity(records[0]);
}

TEST_F(AcIngest, CorruptOrTruncatedFileIngestsNothing) {
  std::vector<CamRecord> records;
  for (uint64_t n = 1; n <= 20; ++n) {
    records.push_back(MakeRecord(n, ProvisioningKind::kAc));
  }
  Write("good.rcpv", records);
  const std::string good = dir_.Read("good.rcpv");
  std::string flipped = good;
  flipped[good.size() / 2] = static_cast<char>(flipped[good.size() / 2] ^ 0x40);
  dir_.Write("flipped.rcpv", flipped);
  dir_.Write("cut.rcpv", std::string_view(good).substr(0, good.size() - 10));
  dir_.Write("cut-record.rcpv", std::string_view(good).substr(0, good.size() / 3));
  for (const char* name : {"flipped.rcpv", "cut.rcpv", "cut-record.rcpv"}) {
    SCOPED_TRACE(name);
    auto summary = Ingest(name, 4);  // several SST files were written before the error
    ASSERT_FALSE(summary.ok());
    EXPECT_NE(summary.error().find("nothing ingested"), std::string::npos) << summary.error();
    EXPECT_EQ(Cams(), 0u);
    NoSstFolderLeft();
  }
  EXPECT_FALSE(Ingest("missing.rcpv").ok());
  ASSERT_TRUE(Ingest("good.rcpv").ok());
  EXPECT_EQ(Cams(), 20u);
}

TEST_F(AcIngest, RecordTheStoreRefusesStopsTheReaderAndIngestsNothing) {
  std::vector<CamRecord> records;
  for (uint64_t n = 1; n <= 8000; ++n) {  // more batches than are in flight at once
    records.push_back(MakeRecord(n, ProvisioningKind::kAc));
  }
  records[10].certificate_der.assign(storage::kMaxCertificateLen + 1, 0x30);
  Write("f.rcpv", records);
  auto summary = Ingest("f.rcpv", 4);
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.error().find("certificate"), std::string::npos) << summary.error();
  EXPECT_NE(summary.error().find("nothing ingested"), std::string::npos) << summary.error();
  EXPECT_EQ(Cams(), 0u);
  NoSstFolderLeft();
}

TEST_F(AcIngest, ReIngestReplacesIdentitiesAndKeepsState) {
  std::vector<CamRecord> first = {MakeRecord(1, ProvisioningKind::kAc),
                                  MakeRecord(2, ProvisioningKind::kAc)};
  Write("first.rcpv", first);
  ASSERT_TRUE(Ingest("first.rcpv").ok());
  storage::CamState in_service;
  in_service.state = storage::CamStateKind::kAuthService;
  in_service.image_set = true;
  in_service.cas_image_version = 42;
  in_service.auth_count = 2;
  storage::WriteSet set;
  set.PutState(first[0].cam_id, in_service);
  ASSERT_TRUE(store_->Commit(set).ok());

  std::vector<CamRecord> second = {MakeRecord(1, ProvisioningKind::kCam)};  // new DSC, keys
  Write("second.rcpv", second, ProvisioningKind::kCam);
  auto summary = Ingest("second.rcpv");
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(summary->cams, 1u);
  ExpectIdentity(second[0]);
  ExpectIdentity(first[1]);
  auto state = store_->GetState(first[0].cam_id);
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ(**state, in_service);
}

TEST_F(AcIngest, RemovesWhatAKilledIngestLeftInTheStore) {
  std::filesystem::create_directory(dir_.File("db/rcas-ingest-AbC123"));
  dir_.Write("db/rcas-ingest-AbC123/ingest-000001.sst", "half a file");
  dir_.Write("db/rcas-ingest-note", "a file, not a folder: kept");
  Write("f.rcpv", {MakeRecord(1, ProvisioningKind::kAc)});
  ASSERT_TRUE(Ingest("f.rcpv").ok());
  EXPECT_FALSE(std::filesystem::exists(dir_.File("db/rcas-ingest-AbC123")));
  EXPECT_EQ(dir_.Read("db/rcas-ingest-note"), "a file, not a folder: kept");
  EXPECT_EQ(Cams(), 1u);
}

TEST_F(AcIngest, ReportsProgressAndUsesTheGivenTmpFolder) {
  std::vector<CamRecord> records;
  for (uint64_t n = 1; n <= kIngestProgressEvery + 5; ++n) {
    records.push_back(MakeRecord(n, ProvisioningKind::kAc));
  }
  Write("f.rcpv", records);
  std::filesystem::create_directory(dir_.File("tmp"));
  dir_.Write("tmp/keep", "mine");
  std::vector<uint64_t> seen;
  IngestOptions o;
  o.tmp_dir = dir_.File("tmp");
  o.progress = [&seen](uint64_t n) { seen.push_back(n); };
  auto summary = IngestProvisioningFile(*store_, dir_.File("f.rcpv"), o);
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(seen, (std::vector<uint64_t>{kIngestProgressEvery, kIngestProgressEvery + 5}));
  EXPECT_EQ(Cams(), kIngestProgressEvery + 5);
  // Only the run's own folder went; what was there stays.
  EXPECT_EQ(dir_.Read("tmp/keep"), "mine");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.File("tmp")), {}), 1);
  o.tmp_dir = dir_.File("no-such-folder");
  EXPECT_FALSE(IngestProvisioningFile(*store_, dir_.File("f.rcpv"), o).ok());
}

TEST(AcIngestRecord, ToCamIdentityCopiesWhatTheAcKeeps) {
  CamRecord r = MakeRecord(5, ProvisioningKind::kCam);
  storage::CamIdentity id;
  id.certificate_der.assign(2000, 0xee);  // reused: must not keep the old tail
  ToCamIdentity(r, id);
  EXPECT_EQ(id.dsc_id, r.dsc_id);
  EXPECT_EQ(id.certificate_der, r.certificate_der);
  for (size_t i = 0; i < kKiOpcPairs; ++i) {
    EXPECT_EQ(ToHex(id.keys[i].ki.view()), ToHex(r.keys[i].ki.view()));
    EXPECT_EQ(ToHex(id.keys[i].opc.view()), ToHex(r.keys[i].opc.view()));
  }
}

}  // namespace
}  // namespace rcas::tools
