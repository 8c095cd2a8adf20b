// AcStore reads, commits, reports, the replay set, scans and stats.
#include "storage/ac_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "tests/storage/store_test_util.h"

namespace rcas::storage {
namespace {

using testing::Cam;
using testing::Cass;
using testing::Has;
using testing::SameIdentity;
using testing::SampleIdentity;
using testing::SamplePairing;
using testing::SampleState;
using testing::StoreDir;

KeyPairingId Kpid(uint64_t cam) { return MakeKeyPairingId(Cam(cam), SampleIdentity(cam).dsc_id); }

TEST(AcStore, CommitStoresEveryRecordKind) {
  StoreDir d;
  auto store = d.Open();
  WriteSet w;
  w.PutState(Cam(1), SampleState(1));
  w.PutIdentity(Cam(1), SampleIdentity(1));
  w.PutPairing(Kpid(1), SamplePairing(1));
  w.PutPairing(Kpid(2), Pairing{});
  w.PutCass(Cass(7));
  w.PutCounter("counter_a", 1234);
  EXPECT_EQ(w.count(), 6u);
  ASSERT_TRUE(store->Commit(w).ok());

  EXPECT_EQ(store->GetState(Cam(1))->value(), SampleState(1));
  EXPECT_TRUE(SameIdentity(store->GetIdentity(Cam(1))->value(), SampleIdentity(1)));
  const Pairing p = store->GetPairing(Kpid(1))->value();
  EXPECT_TRUE(p.has_kpk);
  EXPECT_EQ(p.sign_kpk, SamplePairing(1).sign_kpk);
  EXPECT_EQ(ToHex(p.kpk.view()), ToHex(SamplePairing(1).kpk.view()));
  EXPECT_FALSE(store->GetPairing(Kpid(2))->value().has_kpk);
  EXPECT_TRUE(*store->HasCass(Cass(7)));
  EXPECT_FALSE(*store->HasCass(Cass(8)));
  EXPECT_EQ(*store->ListCass(), std::vector<crypto::CassId>{Cass(7)});
  EXPECT_EQ(*store->GetCounter("counter_a"), 1234u);
  EXPECT_FALSE(store->GetState(Cam(2))->has_value());
  EXPECT_FALSE(store->GetIdentity(Cam(2))->has_value());
  EXPECT_FALSE(store->GetPairing(Kpid(3))->has_value());

  w.DeletePairing(Kpid(1));
  w.DeleteCass(Cass(7));
  w.PutState(Cam(1), SampleState(2));  // overwrite
  ASSERT_TRUE(store->Commit(w, /*durable=*/false).ok());
  EXPECT_FALSE(store->GetPairing(Kpid(1))->has_value());
  EXPECT_FALSE(*store->HasCass(Cass(7)));
  EXPECT_TRUE(store->ListCass()->empty());
  EXPECT_EQ(store->GetState(Cam(1))->value(), SampleState(2));
}

TEST(AcStore, RefusedSetWritesNothingAndSaysWhy) {
  StoreDir d;
  auto store = d.Open();
  struct Case {
    const char* why;
    void (*add)(WriteSet&);
  };
  const Case cases[] = {
      {"certificate of 4097 octets",
       [](WriteSet& w) { w.PutIdentity(Cam(9), SampleIdentity(9, kMaxCertificateLen + 1)); }},
      {"sIGN-kpk of 255 octets, must be 256",
       [](WriteSet& w) {
         Pairing p = SamplePairing(9);
         p.sign_kpk.pop_back();
         w.PutPairing(Kpid(9), p);
       }},
      {"sIGN-kpk of 256 octets, must be 0",
       [](WriteSet& w) {
         Pairing p = SamplePairing(9);
         p.has_kpk = false;
         w.PutPairing(Kpid(9), p);
       }},
      {"counter name \"schema_version\" is reserved",
       [](WriteSet& w) { w.PutCounter("schema_version", 2); }},
      {"counter name \"report_seq\" is reserved",
       [](WriteSet& w) { w.PutCounter("report_seq", 2); }},
  };
  for (const Case& c : cases) {
    WriteSet w;
    w.PutState(Cam(1), SampleState(1));  // valid, but goes only with the whole set
    c.add(w);
    Status s = store->Commit(w);
    ASSERT_FALSE(s.ok()) << c.why;
    EXPECT_TRUE(Has(s.error(), c.why));
    EXPECT_FALSE(store->GetState(Cam(1))->has_value()) << c.why;
    w.Clear();
    EXPECT_EQ(w.count(), 0u);
    EXPECT_TRUE(store->Commit(w).ok());  // Clear forgets the refusal too
  }
  auto schema = store->GetCounter("schema_version");
  EXPECT_FALSE(schema.ok());  // 4 octets, not a counter: an error, not a wrong number
}

TEST(AcStore, ConcurrentReadersSeeAWholeSetOrNothing) {
  StoreDir d;
  auto store = d.Open();
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done) {
      // Each set writes the same generation into both CAMs; a reader on a snapshot of one
      // moment must never see them differ.
      uint64_t a = 0;
      uint64_t b = 0;
      Status st = store->ForEachCam(
          [&](const crypto::CamId& cam, const CamIdentity&, const std::optional<CamState>& s) {
            (cam == Cam(1) ? a : b) = s ? s->updated_unix_ms : 0;
            return true;
          });
      if (!st.ok() || a != b) {
        ++torn;
      }
    }
  });
  WriteSet w;
  w.PutIdentity(Cam(1), SampleIdentity(1));
  w.PutIdentity(Cam(2), SampleIdentity(2));
  ASSERT_TRUE(store->Commit(w).ok());
  for (uint64_t gen = 1; gen <= 300; ++gen) {
    CamState s;
    s.updated_unix_ms = gen;
    w.PutState(Cam(1), s);
    w.PutState(Cam(2), s);
    ASSERT_TRUE(store->Commit(w, false).ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn, 0);
}

TEST(AcStore, ReportsComeBackPerCamInTimeOrderAndNeverCollide) {
  StoreDir d;
  {
    auto store = d.Open();
    WriteSet w;
    // Same CAM, same millisecond, three times; another CAM in between; an earlier time last.
    for (int i = 0; i < 3; ++i) {
      w.AppendReport(Cam(5), Report{ReportKind::kPurchase, 1000, Cass(1), Bytes{uint8_t(i)}});
    }
    w.AppendReport(Cam(6), Report{ReportKind::kLog, 1000, Cass(2), Bytes{0x66}});
    w.AppendReport(Cam(5), Report{ReportKind::kLog, 999, Cass(3), Bytes{}});
    ASSERT_TRUE(store->Commit(w).ok());
    w.AppendReport(Cam(5), Report{ReportKind::kPurchase, 1000, Cass(1), Bytes{9}});
    ASSERT_TRUE(store->Commit(w).ok());
  }
  // After a reopen the sequence carries on: a report in the same millisecond is a new entry.
  auto store = d.Open(false);
  WriteSet w;
  w.AppendReport(Cam(5), Report{ReportKind::kPurchase, 1000, Cass(1), Bytes{10}});
  ASSERT_TRUE(store->Commit(w).ok());

  auto r5 = store->ListReports(Cam(5));
  ASSERT_TRUE(r5.ok()) << r5.error();
  ASSERT_EQ(r5->size(), 6u);
  EXPECT_EQ((*r5)[0].unix_ms, 999u);
  EXPECT_EQ((*r5)[0].kind, ReportKind::kLog);
  EXPECT_EQ((*r5)[0].cass_id, Cass(3));
  EXPECT_TRUE((*r5)[0].body.empty());
  for (size_t i = 1; i < 6; ++i) {
    EXPECT_EQ((*r5)[i].unix_ms, 1000u);
    EXPECT_EQ((*r5)[i].body, (Bytes{uint8_t(i <= 3 ? i - 1 : (i == 4 ? 9 : 10))})) << i;
  }
  auto r6 = store->ListReports(Cam(6));
  ASSERT_EQ(r6->size(), 1u);
  EXPECT_EQ((*r6)[0].body, Bytes{0x66});
  EXPECT_TRUE(store->ListReports(Cam(7))->empty());
  EXPECT_EQ(store->Stats()->reports, 7u);
}

TEST(AcStore, ReplaySetNewDuplicateExpiredPurge) {
  StoreDir d;
  auto store = d.Open();
  SessionId s1{};
  SessionId s2{};
  s2[9] = 1;
  EXPECT_TRUE(*store->EnterReplay(Cam(1), s1, 1000, 100));   // new
  EXPECT_FALSE(*store->EnterReplay(Cam(1), s1, 1050, 100));  // live duplicate
  EXPECT_FALSE(*store->EnterReplay(Cam(1), s1, 1099, 100));  // still live
  EXPECT_TRUE(*store->EnterReplay(Cam(2), s1, 1050, 100));   // same session, other CAM
  EXPECT_TRUE(*store->EnterReplay(Cam(1), s2, 1050, 500));   // other session
  EXPECT_TRUE(*store->EnterReplay(Cam(1), s1, 1100, 100));   // expired at 1100: new again
  EXPECT_FALSE(*store->EnterReplay(Cam(1), s1, 1150, 100));  // and live from then on

  // At 1160: (2, s1) expired (1150); (1, s1) lives to 1200; (1, s2) to 1550.
  EXPECT_EQ(*store->PurgeReplay(1160), 1u);
  EXPECT_EQ(*store->PurgeReplay(1160), 0u);
  EXPECT_FALSE(*store->EnterReplay(Cam(1), s2, 1160, 500));
  EXPECT_EQ(*store->PurgeReplay(10000), 2u);
  EXPECT_TRUE(*store->EnterReplay(Cam(1), s2, 10000, 500));
}

TEST(AcStore, ReplayEntriesStayLiveThroughFlushesAndCompaction) {
  StoreDir d;
  auto store = d.Open();
  // Four flushes of L0 files start a compaction, which runs the expiry filter with the
  // store's replay clock (5000 after the first round): only the short-lived half expired.
  for (uint8_t round = 0; round < 4; ++round) {
    for (uint8_t i = 0; i < 200; ++i) {
      SessionId s{};
      s[0] = round;
      s[1] = i;
      ASSERT_TRUE(*store->EnterReplay(Cam(1), s, 1000, i < 100 ? 10 : 100000));
    }
    ASSERT_TRUE(*store->EnterReplay(Cam(2), SessionId{}, 5000 + round, 1));
    ASSERT_TRUE(store->Flush().ok());
  }
  store.reset();
  store = d.Open(false);
  for (uint8_t round = 0; round < 4; ++round) {
    for (uint8_t i = 100; i < 200; ++i) {
      SessionId s{};
      s[0] = round;
      s[1] = i;
      EXPECT_FALSE(*store->EnterReplay(Cam(1), s, 5004, 100000)) << int{i};
    }
  }
  // Whatever compaction has not dropped yet, purge does; the live ones remain.
  EXPECT_LE(*store->PurgeReplay(5004), 404u);
  EXPECT_EQ(*store->PurgeReplay(5004), 0u);
  EXPECT_FALSE(*store->EnterReplay(Cam(1), SessionId{3, 150}, 5004, 1));
}

TEST(AcStore, ForEachCamVisitsInCamIdOrderWithStateAndStops) {
  StoreDir d;
  auto store = d.Open();
  WriteSet w;
  for (uint64_t n : {30, 10, 20, 40}) {
    w.PutIdentity(Cam(n), SampleIdentity(n));
  }
  w.PutState(Cam(20), SampleState(20));
  w.PutState(Cam(25), SampleState(25));  // a state without identity is not a provisioned CAM
  w.PutState(Cam(40), SampleState(40));
  ASSERT_TRUE(store->Commit(w).ok());

  std::vector<uint64_t> seen;
  std::vector<bool> with_state;
  ASSERT_TRUE(store
                  ->ForEachCam([&](const crypto::CamId& cam, const CamIdentity& id,
                                   const std::optional<CamState>& s) {
                    const uint64_t n = LoadBe64(cam.data());
                    EXPECT_TRUE(SameIdentity(id, SampleIdentity(n)));
                    if (s) {
                      EXPECT_EQ(*s, SampleState(n));
                    }
                    seen.push_back(n);
                    with_state.push_back(s.has_value());
                    return true;
                  })
                  .ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{10, 20, 30, 40}));
  EXPECT_EQ(with_state, (std::vector<bool>{false, true, false, true}));

  seen.clear();
  ASSERT_TRUE(store
                  ->ForEachCam([&](const crypto::CamId& cam, const CamIdentity&,
                                   const std::optional<CamState>&) {
                    seen.push_back(LoadBe64(cam.data()));
                    return seen.size() < 2;
                  })
                  .ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{10, 20}));
}

TEST(AcStore, StatsCountExactly) {
  StoreDir d;
  auto store = d.Open();
  WriteSet w;
  for (uint64_t n = 1; n <= 10; ++n) {
    w.PutIdentity(Cam(n), SampleIdentity(n));
  }
  CamState service;
  service.state = CamStateKind::kAuthService;
  CamState not_service;
  not_service.state = CamStateKind::kAuthNotService;
  w.PutState(Cam(1), service);
  w.PutState(Cam(2), service);
  w.PutState(Cam(3), not_service);
  w.PutState(Cam(4), CamState{});  // explicit VIRGIN
  w.PutState(Cam(99), service);    // no identity: not counted
  w.PutPairing(Kpid(1), SamplePairing(1));
  w.PutPairing(Kpid(2), SamplePairing(2));
  w.PutPairing(Kpid(3), Pairing{});
  w.PutCass(Cass(1));
  w.PutCass(Cass(2));
  w.AppendReport(Cam(1), Report{});
  ASSERT_TRUE(store->Commit(w).ok());
  auto check = [&](const char* when) -> StoreStats {
    auto st = store->Stats();
    if (!st.ok()) {
      ADD_FAILURE() << st.error();
      return {};
    }
    EXPECT_EQ(st->cams, 10u) << when;
    EXPECT_EQ(st->by_state[0], 7u) << when;
    EXPECT_EQ(st->by_state[1], 2u) << when;
    EXPECT_EQ(st->by_state[2], 1u) << when;
    EXPECT_EQ(st->pairings_with_kpk, 2u) << when;
    EXPECT_EQ(st->cass, 2u) << when;
    EXPECT_EQ(st->reports, 1u) << when;
    return *st;
  };
  const StoreStats before = check("in memtables");
  EXPECT_GT(before.memtable_bytes, 0u);
  EXPECT_GT(before.wal_bytes, 10u * 700);
  ASSERT_TRUE(store->Flush().ok());
  const StoreStats after = check("flushed");
  EXPECT_GT(after.live_sst_bytes, 10u * 700);  // ten certificates of 700 octets, compressed little
}

// A damaged table file is an error on read, never a missing or a wrong record.
TEST(AcStore, CorruptTableIsAnErrorNotAMiss) {
  StoreDir d;
  {
    auto store = d.Open();
    WriteSet w;
    for (uint64_t n = 1; n <= 50; ++n) {
      w.PutIdentity(Cam(n), SampleIdentity(n));
    }
    ASSERT_TRUE(store->Commit(w).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  size_t damaged = 0;
  for (const auto& f : std::filesystem::directory_iterator(d.path())) {
    if (f.path().extension() != ".sst" || f.file_size() < 4096) {
      continue;
    }
    std::fstream io(f.path(), std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(100);
    const std::string junk(1000, '\x42');
    io.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    ++damaged;
  }
  ASSERT_EQ(damaged, 1u);
  auto store = d.Open(false);
  ASSERT_NE(store, nullptr);
  auto id = store->GetIdentity(Cam(1));
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(Has(id.error(), "reading cam_identity of CAM 0000000000000001: Corruption"));
  EXPECT_FALSE(store->Stats().ok());
}

}  // namespace
}  // namespace rcas::storage
