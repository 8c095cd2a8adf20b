// `rcasctl ac init|cass|bump-deliver|stats`: the store as a whole (docs/ac-cli.md).

#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "crypto/x509_issue.h"
#include "storage/counters.h"
#include "tools/rcasctl/ac_command.h"
#include "tools/rcasctl/command.h"

namespace rcas::tools {
namespace {

namespace fs = std::filesystem;

crypto::CassId ParseCassId(const std::string& hex) {
  crypto::CassId id{};
  CopyTo(id, *FromHex(hex));  // validated by HexOctets(4)
  return id;
}

int Commit(storage::AcStore& store, storage::WriteSet& set) {
  if (Status s = store.Commit(set, /*durable=*/true); !s) {
    return Fail(s.error());
  }
  return kExitOk;
}

}  // namespace

Result<std::unique_ptr<storage::AcStore>> OpenStore(const std::string& db) {
  std::error_code ec;
  if (!fs::is_directory(db, ec)) {
    return Error{db + ": no AC store there (`rcasctl ac init --db " + db + "` makes one)"};
  }
  storage::StoreOptions o;
  o.path = db;
  o.create_if_missing = false;
  return storage::AcStore::Open(o);
}

crypto::CamId ParseCamId(const std::string& hex) {
  crypto::CamId id{};
  CopyTo(id, *FromHex(hex));  // validated by HexOctets(8)
  return id;
}

std::string UtcTime(uint64_t unix_ms) {
  const auto secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char text[48];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03u UTC", static_cast<unsigned>(unix_ms % 1000));
  return text;
}

int RunAcInit(const AcArgs& a) {
  std::error_code ec;
  if (fs::exists(a.db, ec) && (!fs::is_directory(a.db, ec) || !fs::is_empty(a.db, ec))) {
    return Fail(a.db +
                ": exists and is not an empty folder; an AC store is made only in a new "
                "or empty one");
  }
  storage::StoreOptions o;
  o.path = a.db;
  o.create_if_missing = true;
  auto store = storage::AcStore::Open(o);
  if (!store) {
    return Fail(store.error());
  }
  std::cout << "created an empty AC store in " << a.db << " (schema version "
            << storage::kSchemaVersion << ")\n";
  return kExitOk;
}

int RunAcCass(const AcArgs& a, CassAction action) {
  auto store = OpenStore(a.db);
  if (!store) {
    return Fail(store.error());
  }
  if (action == CassAction::kList) {
    auto ids = (*store)->ListCass();
    if (!ids) {
      return Fail(ids.error());
    }
    for (const crypto::CassId& id : *ids) {
      std::cout << crypto::UpperHex(id) << "\n";
    }
    std::cout << ids->size() << " CASS_IDs known\n";
    return kExitOk;
  }
  const crypto::CassId id = ParseCassId(a.cass_hex);
  auto known = (*store)->HasCass(id);
  if (!known) {
    return Fail(known.error());
  }
  const std::string name = "CASS " + crypto::UpperHex(id);
  if (*known == (action == CassAction::kAdd)) {
    std::cout << name << (*known ? " is already known\n" : " was not known\n");
    return kExitOk;
  }
  storage::WriteSet set;
  if (action == CassAction::kAdd) {
    set.PutCass(id);
  } else {
    set.DeleteCass(id);
  }
  if (int rc = Commit(**store, set); rc != kExitOk) {
    return rc;
  }
  std::cout << name << (action == CassAction::kAdd ? " added" : " removed") << "\n";
  return kExitOk;
}

int RunAcBumpDeliver(const AcArgs& a) {
  auto store = OpenStore(a.db);
  if (!store) {
    return Fail(store.error());
  }
  auto campaign = (*store)->GetCounter(storage::kDeliverCampaignCounter);
  if (!campaign) {
    return Fail(campaign.error());
  }
  if (*campaign >= storage::kMaxDeliverCampaign) {
    return Fail("deliver campaign " + std::to_string(*campaign) +
                " is at its limit (32 bits); ship a new image version instead");
  }
  storage::WriteSet set;
  set.PutCounter(storage::kDeliverCampaignCounter, *campaign + 1);
  if (int rc = Commit(**store, set); rc != kExitOk) {
    return rc;
  }
  std::cout << "deliver campaign " << *campaign + 1
            << " (deliverVersion = image version << 32 | campaign)\n";
  return kExitOk;
}

int RunAcStats(const AcArgs& a) {
  auto store = OpenStore(a.db);
  if (!store) {
    return Fail(store.error());
  }
  auto st = (*store)->Stats();
  if (!st) {
    return Fail(st.error());
  }
  const uint64_t disk = st->live_sst_bytes + st->wal_bytes;
  const double per_cam =
      st->cams == 0 ? 0.0 : static_cast<double>(disk) / static_cast<double>(st->cams);
  using storage::CamStateKind;
  const CamStateKind kinds[] = {CamStateKind::kVirgin, CamStateKind::kAuthService,
                                CamStateKind::kAuthNotService};
  if (a.json) {
    nlohmann::json j = {{"cams", st->cams},
                        {"pairings_with_kpk", st->pairings_with_kpk},
                        {"cass", st->cass},
                        {"reports", st->reports},
                        {"live_sst_bytes", st->live_sst_bytes},
                        {"wal_bytes", st->wal_bytes},
                        {"disk_bytes", disk},
                        {"disk_bytes_per_cam", per_cam},
                        {"memtable_bytes", st->memtable_bytes},
                        {"block_cache_bytes", st->block_cache_bytes}};
    for (CamStateKind k : kinds) {
      j["by_state"][storage::CamStateName(k)] = st->by_state[static_cast<size_t>(k)];
    }
    std::cout << j.dump() << "\n";
    return kExitOk;
  }
  std::printf("CAMs                %llu\n", static_cast<unsigned long long>(st->cams));
  for (CamStateKind k : kinds) {
    std::printf("  %-17s %llu\n", storage::CamStateName(k),
                static_cast<unsigned long long>(st->by_state[static_cast<size_t>(k)]));
  }
  std::printf("pairings with KPK   %llu\n", static_cast<unsigned long long>(st->pairings_with_kpk));
  std::printf("CASS_IDs            %llu\n", static_cast<unsigned long long>(st->cass));
  std::printf("reports             %llu\n", static_cast<unsigned long long>(st->reports));
  std::printf("on disk             %llu bytes (SST %llu, WAL %llu), %.0f bytes/CAM\n",
              static_cast<unsigned long long>(disk),
              static_cast<unsigned long long>(st->live_sst_bytes),
              static_cast<unsigned long long>(st->wal_bytes), per_cam);
  std::printf("in memory           memtables %llu bytes, block cache %llu bytes\n",
              static_cast<unsigned long long>(st->memtable_bytes),
              static_cast<unsigned long long>(st->block_cache_bytes));
  return kExitOk;
}

}  // namespace rcas::tools
