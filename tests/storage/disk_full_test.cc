// Disk full: a FileSystem that runs out of space after a byte budget (public RocksDB API,
// plugged in through StoreOptions::env). Commits must fail loudly and keep failing, reads must
// keep working, and every commit that returned OK must be there after a reopen.
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>

#include "tests/storage/store_test_util.h"

namespace rcas::storage {
namespace {

using testing::Cam;
using testing::Has;
using testing::SameIdentity;
using testing::SampleIdentity;
using testing::SampleState;
using testing::StoreDir;

// Budget is the bytes every file together may still take; below zero the disk is full.
using Budget = std::atomic<int64_t>;

// NoSpaceFile writes what still fits, like a real full disk (a torn tail), then fails.
class NoSpaceFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  NoSpaceFile(std::unique_ptr<rocksdb::FSWritableFile> f, Budget* budget)
      : FSWritableFileOwnerWrapper(std::move(f)), budget_(budget) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
    const int64_t size = static_cast<int64_t>(data.size());
    const int64_t left = budget_->fetch_sub(size);
    if (left >= size) {
      return target()->Append(data, o, dbg);
    }
    if (left > 0) {
      target()
          ->Append(rocksdb::Slice(data.data(), static_cast<size_t>(left)), o, dbg)
          .PermitUncheckedError();
    }
    return rocksdb::IOStatus::NoSpace("injected full disk");
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& /*info*/,
                           rocksdb::IODebugContext* dbg) override {
    return Append(data, o, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                                     rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("not used by this store");
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                                     const rocksdb::DataVerificationInfo&,
                                     rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::NotSupported("not used by this store");
  }

 private:
  Budget* budget_;
};

class NoSpaceFs : public rocksdb::FileSystemWrapper {
 public:
  NoSpaceFs(const std::shared_ptr<rocksdb::FileSystem>& base, Budget* budget)
      : FileSystemWrapper(base), budget_(budget) {}
  const char* Name() const override { return "NoSpaceFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* out,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, o, out, dbg);
    if (s.ok()) {
      *out = std::make_unique<NoSpaceFile>(std::move(*out), budget_);
    }
    return s;
  }

 private:
  Budget* budget_;
};

TEST(AcStoreDiskFull, CommitsFailAndStayFailedReadsWorkAcknowledgedSurvive) {
  StoreDir d;
  Budget budget{INT64_MAX};
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(
      std::make_shared<NoSpaceFs>(rocksdb::FileSystem::Default(), &budget));
  StoreOptions o;
  o.path = d.path();
  o.create_if_missing = true;
  o.env = env.get();
  auto opened = AcStore::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.error();
  std::unique_ptr<AcStore> store = std::move(opened).value();

  budget = 64 << 10;
  // Each set writes a CAM's identity and state together; both or neither may survive.
  std::vector<uint64_t> acked;
  std::string error;
  for (uint64_t n = 1; n <= 1000 && error.empty(); ++n) {
    WriteSet w;
    w.PutIdentity(Cam(n), SampleIdentity(n));
    w.PutState(Cam(n), SampleState(n));
    Status s = store->Commit(w);
    if (s.ok()) {
      acked.push_back(n);
    } else {
      error = s.error();
      EXPECT_EQ(w.count(), 2u);  // a failed set is kept for the caller
    }
  }
  ASSERT_FALSE(error.empty()) << "the budget never ran out";
  EXPECT_TRUE(Has(error, "commit of 2 changes: IO error: No space left on device"));
  ASSERT_GT(acked.size(), 10u);

  // The store stays refusing writes, even small ones, and says why.
  for (int i = 0; i < 3; ++i) {
    WriteSet w;
    w.PutCounter("after_full", 1);
    Status s = store->Commit(w, i % 2 == 0);
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(Has(s.error(), "No space")) << s.error();
  }
  // Reads still work.
  auto s = store->GetState(Cam(acked.back()));
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->value(), SampleState(acked.back()));
  EXPECT_TRUE(store->Stats().ok());
  store.reset();

  store = d.Open(false);  // the default Env: the disk is fine again
  ASSERT_NE(store, nullptr);
  for (uint64_t n : acked) {
    auto id = store->GetIdentity(Cam(n));
    ASSERT_TRUE(id.ok() && id->has_value()) << n;
    EXPECT_TRUE(SameIdentity(**id, SampleIdentity(n)));
    EXPECT_EQ(store->GetState(Cam(n))->value(), SampleState(n));
  }
  for (uint64_t n = acked.back() + 1; n <= 1000; ++n) {
    EXPECT_EQ(store->GetIdentity(Cam(n))->has_value(), store->GetState(Cam(n))->has_value())
        << "set " << n << " half there";
  }
  EXPECT_EQ(*store->GetCounter("after_full"), 0u);
  WriteSet w;
  w.PutCounter("after_full", 2);
  EXPECT_TRUE(store->Commit(w).ok());
}

}  // namespace
}  // namespace rcas::storage
