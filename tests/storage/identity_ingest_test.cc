// IdentitySstWriter + AcStore::IngestIdentities: bulk provisioning into cam_identity.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "tests/storage/store_test_util.h"

namespace rcas::storage {
namespace {

using testing::Cam;
using testing::Has;
using testing::SameIdentity;
using testing::SampleIdentity;
using testing::SamplePairing;
using testing::SampleState;
using testing::StoreDir;

// WriteFiles runs the writer over (cam, seed) records in the given order.
std::vector<std::string> WriteFiles(const std::string& dir, size_t per_file,
                                    const std::vector<std::pair<uint64_t, uint64_t>>& records) {
  auto w = IdentitySstWriter::Create(dir, per_file);
  EXPECT_TRUE(w.ok());
  for (auto [cam, seed] : records) {
    EXPECT_TRUE((*w)->Add(Cam(cam), SampleIdentity(seed, 200)).ok());
  }
  EXPECT_EQ((*w)->count(), records.size());
  auto files = (*w)->Finish();
  EXPECT_TRUE(files.ok());
  return files.ok() ? *files : std::vector<std::string>();
}

void ExpectIdentity(AcStore& store, uint64_t cam, uint64_t seed) {
  auto id = store.GetIdentity(Cam(cam));
  ASSERT_TRUE(id.ok()) << id.error();
  ASSERT_TRUE(id->has_value()) << cam;
  EXPECT_TRUE(SameIdentity(**id, SampleIdentity(seed, 200))) << cam;
}

TEST(IdentityIngest, SortedInputInOneFile) {
  StoreDir d;
  std::vector<std::pair<uint64_t, uint64_t>> records;
  for (uint64_t n = 1; n <= 1000; ++n) {
    records.emplace_back(n, n);
  }
  const auto files = WriteFiles(d.dir().File("sst"), 5000, records);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(std::filesystem::path(files[0]).filename(), "ingest-000001.sst");
  auto store = d.Open();
  ASSERT_TRUE(store->IngestIdentities(files).ok());
  EXPECT_FALSE(std::filesystem::exists(files[0]));  // moved into the store
  for (uint64_t n : {1, 500, 1000}) {
    ExpectIdentity(*store, n, n);
  }
  EXPECT_FALSE(store->GetIdentity(Cam(1001))->has_value());
  EXPECT_EQ(store->Stats()->cams, 1000u);
  EXPECT_EQ(store->Stats()->by_state[0], 1000u);  // no state written: all VIRGIN
}

TEST(IdentityIngest, UnsortedInputAcrossFilesWithDuplicatesLastWins) {
  StoreDir d;
  std::vector<std::pair<uint64_t, uint64_t>> records;
  for (uint64_t n = 1; n <= 1000; ++n) {
    records.emplace_back(n, n);
  }
  std::shuffle(records.begin(), records.end(), std::mt19937(7));
  records.insert(records.begin() + 10, {500, 9000});  // early duplicate: overwritten below
  records.emplace_back(500, 9500);                    // last word for CAM 500
  records.emplace_back(3, 9003);                      // same file as an earlier 3? any file
  records.emplace_back(3, 9004);                      // twice in one file: the later
  const auto files = WriteFiles(d.dir().File("sst"), 100, records);
  // The sorted run at the start streams into a file of its own; the rest is sorted per 100.
  ASSERT_GE(files.size(), (records.size() + 99) / 100);
  ASSERT_LE(files.size(), (records.size() + 99) / 100 + 1);
  auto store = d.Open();
  ASSERT_TRUE(store->IngestIdentities(files).ok());
  ExpectIdentity(*store, 500, 9500);
  ExpectIdentity(*store, 3, 9004);
  for (uint64_t n : {1, 2, 4, 777, 1000}) {
    ExpectIdentity(*store, n, n);
  }
  std::vector<uint64_t> seen;
  ASSERT_TRUE(store
                  ->ForEachCam([&](const crypto::CamId& cam, const CamIdentity&,
                                   const std::optional<CamState>&) {
                    seen.push_back(LoadBe64(cam.data()));
                    return true;
                  })
                  .ok());
  ASSERT_EQ(seen.size(), 1000u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST(IdentityIngest, LaterIngestReplacesIdentityButNeverStateOrKpk) {
  StoreDir d;
  auto store = d.Open();
  const KeyPairingId kpid = MakeKeyPairingId(Cam(5), SampleIdentity(5, 200).dsc_id);
  WriteSet w;
  w.PutIdentity(Cam(5), SampleIdentity(5, 200));
  w.PutState(Cam(5), SampleState(5));
  w.PutPairing(kpid, SamplePairing(5));
  ASSERT_TRUE(store->Commit(w).ok());
  // Still in the memtable: ingest must flush it first, then put the file above it.
  ASSERT_TRUE(store->IngestIdentities(WriteFiles(d.dir().File("a"), 10, {{5, 50}, {6, 6}})).ok());
  ExpectIdentity(*store, 5, 50);
  ExpectIdentity(*store, 6, 6);
  EXPECT_EQ(store->GetState(Cam(5))->value(), SampleState(5));
  EXPECT_EQ(store->GetPairing(kpid)->value().sign_kpk, SamplePairing(5).sign_kpk);
  EXPECT_FALSE(store->GetState(Cam(6))->has_value());
  // A commit after the ingest wins over it, as any later write does.
  w.PutIdentity(Cam(6), SampleIdentity(66, 200));
  ASSERT_TRUE(store->Commit(w).ok());
  ExpectIdentity(*store, 6, 66);
  store.reset();
  store = d.Open(false);
  ExpectIdentity(*store, 5, 50);
  ExpectIdentity(*store, 6, 66);
}

TEST(IdentityIngest, WriterAndIngestErrors) {
  StoreDir d;
  EXPECT_FALSE(IdentitySstWriter::Create(d.dir().File("x"), 0).ok());
  auto w = IdentitySstWriter::Create(d.dir().File("x"), 10);
  ASSERT_TRUE(w.ok());
  Status too_long = (*w)->Add(Cam(1), SampleIdentity(1, kMaxCertificateLen + 1));
  ASSERT_FALSE(too_long.ok());
  EXPECT_TRUE(Has(too_long.error(), "certificate of 4097 octets"));
  auto files = (*w)->Finish();
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());  // nothing added, no file
  EXPECT_FALSE((*w)->Add(Cam(2), SampleIdentity(2)).ok());
  EXPECT_FALSE((*w)->Finish().ok());

  auto store = d.Open();
  EXPECT_TRUE(store->IngestIdentities({}).ok());
  const std::string missing = d.dir().File("nope.sst");
  Status s = store->IngestIdentities({missing});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Has(s.error(), missing));
  const std::string junk = d.dir().Write("junk.sst", std::string(5000, 'j'));
  s = store->IngestIdentities({junk});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Has(s.error(), "ingest " + junk));
  EXPECT_EQ(store->Stats()->cams, 0u);
}

}  // namespace
}  // namespace rcas::storage
