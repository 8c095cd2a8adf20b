// AcStore::Open: create, reopen, and every kind of directory that is not this build's store.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>

#include "tests/storage/store_test_util.h"

namespace rcas::storage {
namespace {

using testing::Cam;
using testing::Has;
using testing::SampleState;
using testing::StoreDir;

// RawMeta opens the store's directory with plain RocksDB and runs `fn` on the meta family.
template <typename Fn>
void RawMeta(const std::string& path, Fn fn) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& n : names) {
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, cfs, &handles, &db).ok());
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "meta") {
      fn(*db, handles[i]);
    }
  }
  for (auto* h : handles) {
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  }
  delete db;
}

TEST(AcStoreOpen, CreatesNestedDirectoryAndKeepsDataAcrossReopen) {
  StoreDir d;
  const std::string path = d.dir().File("a/b/ac");
  {
    StoreOptions o;
    o.path = path;
    o.create_if_missing = true;
    auto store = AcStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.error();
    WriteSet w;
    w.PutState(Cam(1), SampleState(1));
    w.PutCounter("announce_counter", 77);
    ASSERT_TRUE((*store)->Commit(w).ok());
    EXPECT_EQ(w.count(), 0u);  // a committed set is cleared
    EXPECT_EQ((*store)->path(), path);
  }
  StoreOptions o;
  o.path = path;
  auto store = AcStore::Open(o);  // create_if_missing off: the store is there now
  ASSERT_TRUE(store.ok()) << store.error();
  auto s = (*store)->GetState(Cam(1));
  ASSERT_TRUE(s.ok()) << s.error();
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ(**s, SampleState(1));
  EXPECT_EQ(*(*store)->GetCounter("announce_counter"), 77u);
  EXPECT_EQ(*(*store)->GetCounter("never_written"), 0u);
}

TEST(AcStoreOpen, MissingDirectoryWithoutCreateIsRefused) {
  StoreDir d;
  const std::string err = d.OpenError(d.path());
  EXPECT_TRUE(Has(err, d.path()));
  EXPECT_TRUE(Has(err, "does not exist"));
  EXPECT_FALSE(std::filesystem::exists(d.path()));
}

TEST(AcStoreOpen, RefusesStoreWithoutSchemaVersion) {
  StoreDir d;
  d.Open().reset();
  RawMeta(d.path(), [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta) {
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), meta, "schema_version").ok());
  });
  EXPECT_TRUE(Has(d.OpenError(d.path()), "not an RCAS AC store (no schema version)"));
  // create_if_missing does not paper over it either.
  EXPECT_TRUE(Has(d.OpenError(d.path(), true), "not an RCAS AC store (no schema version)"));
}

TEST(AcStoreOpen, RefusesOtherSchemaVersion) {
  StoreDir d;
  d.Open().reset();
  RawMeta(d.path(), [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta) {
    ASSERT_TRUE(
        db.Put(rocksdb::WriteOptions(), meta, "schema_version", std::string("\x00\x00\x00\x02", 4))
            .ok());
  });
  EXPECT_TRUE(Has(d.OpenError(d.path()), "schema version 2, this build reads 1"));
  RawMeta(d.path(), [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta) {
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), meta, "schema_version", "v1").ok());
  });
  EXPECT_TRUE(Has(d.OpenError(d.path()), "not an RCAS AC store (schema version of 2 octets)"));
}

TEST(AcStoreOpen, RefusesForeignRocksDb) {
  StoreDir d;
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, d.path(), &db).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "k", "v").ok());
    delete db;
  }
  const std::string err = d.OpenError(d.path(), true);
  EXPECT_TRUE(Has(err, d.path()));
  EXPECT_TRUE(Has(err, "not an RCAS AC store (no column family cam_state)"));
}

TEST(AcStoreOpen, RefusesStoreWithAnExtraColumnFamily) {
  StoreDir d;
  d.Open().reset();
  {
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), d.path(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const std::string& n : names) {
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), d.path(), cfs, &handles, &db).ok());
    rocksdb::ColumnFamilyHandle* extra = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "other", &extra).ok());
    handles.push_back(extra);
    for (auto* h : handles) {
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    }
    delete db;
  }
  EXPECT_TRUE(Has(d.OpenError(d.path()), "not an RCAS AC store (unknown column family other)"));
}

TEST(AcStoreOpen, DirectoryOfOtherFilesIsNeitherOpenedNorTurnedIntoAStore) {
  StoreDir d;
  std::filesystem::create_directories(d.path());
  d.dir().Write("ac/notes.txt", "not a database");
  const std::string err = d.OpenError(d.path());
  EXPECT_TRUE(Has(err, d.path()));
  EXPECT_TRUE(Has(err, "CURRENT"));
  EXPECT_TRUE(Has(d.OpenError(d.path(), true), "directory is not empty and holds no database"));
  EXPECT_EQ(d.dir().Read("ac/notes.txt"), "not a database");
  EXPECT_FALSE(std::filesystem::exists(d.path() + "/CURRENT"));
}

TEST(AcStoreOpen, GarbageDatabaseFilesGiveRocksDbsMessageWithThePath) {
  StoreDir d;
  d.Open().reset();
  // CURRENT names the MANIFEST; point it at garbage.
  d.dir().Write("ac/CURRENT", "MANIFEST-999999\n");
  d.dir().Write("ac/MANIFEST-999999", std::string(300, '\x5a'));
  const std::string err = d.OpenError(d.path());
  EXPECT_TRUE(Has(err, "AC store " + d.path() + ": "));
  EXPECT_TRUE(Has(err, "Corruption"));
}

TEST(AcStoreOpen, RegularFileAsPathIsRefused) {
  StoreDir d;
  const std::string file = d.dir().Write("plain", "x");
  EXPECT_EQ(d.OpenError(file, true), "AC store " + file + ": not a directory");
  EXPECT_EQ(d.dir().Read("plain"), "x");
}

TEST(AcStoreOpen, EmptyPathIsRefused) {
  StoreDir d;
  EXPECT_TRUE(Has(d.OpenError("", true), "no path"));
}

TEST(AcStoreOpen, SecondOpenOfTheSameStoreIsRefusedByTheLock) {
  StoreDir d;
  auto first = d.Open();
  ASSERT_NE(first, nullptr);
  const std::string err = d.OpenError(d.path());
  EXPECT_TRUE(Has(err, d.path()));
  EXPECT_TRUE(Has(err, "lock"));
}

}  // namespace
}  // namespace rcas::storage
