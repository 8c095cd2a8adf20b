#pragma once
// `rcasctl ac ...`: the operator commands of the AC store (docs/ac-cli.md). ac_command.cc reads
// the command line; the commands run in ac_admin.cc (init, cass, bump-deliver, stats),
// ac_ingest_command.cc, ac_operator_command.cc (set-state, reset-count, repair: through the AC
// service, serialised with authentications) and ac_show.cc (show, reports, export).

#include <cstdint>
#include <memory>
#include <string>

#include "crypto/result.h"
#include "storage/ac_store.h"

namespace rcas::tools {

// AcArgs holds every option of the group; each command reads the ones it declares. Hex values
// were validated by the command line (HexOctets), so parsing them cannot fail.
struct AcArgs {
  std::string db;
  std::string cam_hex;   // CAM_ID, 16 hex digits
  std::string cass_hex;  // CASS_ID, 8 hex digits
  std::string dsc_hex;   // DSC_ID, 80 hex digits
  std::string state;     // virgin | service | not-service | join | leave
  std::string file;      // provisioning file
  std::string tmp;
  size_t records_per_file = size_t{1} << 18;
  std::string out;
  bool json = false;
};

enum class CassAction { kAdd, kRemove, kList };

// OpenStore opens the existing store `db`; it never creates one (`ac init` does).
Result<std::unique_ptr<storage::AcStore>> OpenStore(const std::string& db);
crypto::CamId ParseCamId(const std::string& hex);
// UtcTime formats Unix milliseconds as "2026-11-24 15:49:00.123 UTC".
std::string UtcTime(uint64_t unix_ms);

int RunAcInit(const AcArgs& a);
int RunAcCass(const AcArgs& a, CassAction action);
int RunAcBumpDeliver(const AcArgs& a);
int RunAcStats(const AcArgs& a);
int RunAcIngest(const AcArgs& a);
int RunAcSetState(const AcArgs& a);
int RunAcResetCount(const AcArgs& a);
int RunAcRepair(const AcArgs& a);
int RunAcShow(const AcArgs& a);
int RunAcReports(const AcArgs& a);
int RunAcExport(const AcArgs& a);

}  // namespace rcas::tools
