// `rcasctl ac show|reports|export`: what the AC knows about CAMs, never a secret: no Ki/OPc, KPK
// or sIGN-kpk value is read out, only whether they are there (docs/ac-cli.md).

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "crypto/x509_issue.h"
#include "storage/counters.h"
#include "storage/renewal_record.h"
#include "tools/rcasctl/ac_command.h"
#include "tools/rcasctl/command.h"
#include "tools/rcasctl/print_content.h"

namespace rcas::tools {
namespace {

using nlohmann::json;
using storage::CamState;

// CamFacts is what show and export print about one CAM.
struct CamFacts {
  crypto::CamId cam{};
  storage::DscId dsc{};
  Bytes certificate_der;
  std::optional<CamState> state;  // none: VIRGIN, never decided
  bool has_kpk = false;
  size_t sign_kpk_len = 0;
  size_t reports = 0;
};

// Complete adds the pairing and the report count to `f`.
Status Complete(const storage::AcStore& store, CamFacts& f) {
  auto pairing = store.GetPairing(storage::MakeKeyPairingId(f.cam, f.dsc));
  if (!pairing) {
    return Error{pairing.error()};
  }
  if (*pairing) {
    f.has_kpk = (*pairing)->has_kpk;
    f.sign_kpk_len = (*pairing)->sign_kpk.size();
  }
  auto reports = store.ListReports(f.cam);
  if (!reports) {
    return Error{reports.error()};
  }
  f.reports = reports->size();
  return OkStatus();
}

Result<CamFacts> LoadCam(const storage::AcStore& store, const crypto::CamId& cam) {
  auto id = store.GetIdentity(cam);
  if (!id) {
    return Error{id.error()};
  }
  if (!*id) {
    return Error{"CAM " + crypto::UpperHex(cam) + " is not provisioned in " + store.path()};
  }
  auto state = store.GetState(cam);
  if (!state) {
    return Error{state.error()};
  }
  CamFacts f;
  f.cam = cam;
  f.dsc = (*id)->dsc_id;
  f.certificate_der = std::move((*id)->certificate_der);
  f.state = *state;
  if (Status s = Complete(store, f); !s) {
    return Error{s.error()};
  }
  return f;
}

json StateJson(const std::optional<CamState>& stored) {
  const CamState s = stored.value_or(CamState{});
  json j = {{"state", storage::CamStateName(s.state)},
            {"stored", stored.has_value()},
            {"auth_count", s.auth_count}};
  j["hw"] = s.versions_set ? json(ToHex(s.hw)) : json();
  j["sw"] = s.versions_set ? json(ToHex(s.sw)) : json();
  j["cas_image_version"] = s.image_set ? json(s.cas_image_version) : json();
  j["cass_id"] = s.image_set ? json(crypto::UpperHex(s.cass_id)) : json();
  j["c1_pending"] = s.c1_pending;
  j["updated_unix_ms"] = s.updated_unix_ms != 0 ? json(s.updated_unix_ms) : json();
  return j;
}

void PrintLine(const char* name, const std::string& value) {
  std::printf("%-16s %s\n", name, value.c_str());
}

void PrintText(const CamFacts& f) {
  const CamState s = f.state.value_or(CamState{});
  PrintLine("CAM_ID", crypto::UpperHex(f.cam));
  PrintLine("DSC_ID", crypto::UpperHex(f.dsc));
  PrintLine("certificate", CertificateSummary(f.certificate_der) + " (" +
                               std::to_string(f.certificate_der.size()) + " octets)");
  PrintLine("Ki/OPc", std::to_string(storage::kKiOpcPairs) + " pairs (not shown)");
  PrintLine("pairing", f.has_kpk ? "KPK present (not shown), sIGN-kpk present (" +
                                       std::to_string(f.sign_kpk_len) + " octets, not shown)"
                                 : std::string("no KPK yet (made at the next KeyRequest)"));
  PrintLine("state",
            std::string(storage::CamStateName(s.state)) + (f.state ? "" : " (never decided)"));
  PrintLine("hw/sw", s.versions_set ? ToHex(s.hw) + " / " + ToHex(s.sw) : "unknown");
  PrintLine("casImageVersion",
            s.image_set ? std::to_string(s.cas_image_version) : std::string("none"));
  PrintLine("cassId", s.image_set ? crypto::UpperHex(s.cass_id) : std::string("none"));
  PrintLine("authCount", std::to_string(s.auth_count));
  PrintLine("c1Pending",
            s.c1_pending ? "yes (mode C1 commit, no installation reported yet)" : "no");
  PrintLine("updated", s.updated_unix_ms != 0 ? UtcTime(s.updated_unix_ms) : "never");
  PrintLine("reports", std::to_string(f.reports));
}

const char* ReportKindName(storage::ReportKind k) {
  switch (k) {
    case storage::ReportKind::kPurchase:
      return "purchase";
    case storage::ReportKind::kLog:
      return "log";
    case storage::ReportKind::kRenewal:
      break;
  }
  return "renewal";
}

// RenewalText describes a kRenewal record: outcome, deliverVersion (image << 32 | campaign) and
// when the CASS saw it; the raw hex when it does not decode.
std::string RenewalText(const storage::Report& r) {
  const auto rec = storage::DecodeRenewalRecord(r.body);
  if (!rec) {
    return "undecodable record " + ToHex(r.body);
  }
  return std::string(storage::RenewalResultName(rec->result)) + "  deliverVersion image " +
         std::to_string(rec->deliver_version >> 32) + " campaign " +
         std::to_string(rec->deliver_version & storage::kMaxDeliverCampaign) + "  at CASS " +
         UtcTime(rec->unix_ms);
}

}  // namespace

int RunAcShow(const AcArgs& a) {
  auto store = OpenStore(a.db);
  if (!store) {
    return Fail(store.error());
  }
  auto f = LoadCam(**store, ParseCamId(a.cam_hex));
  if (!f) {
    return Fail(f.error());
  }
  if (!a.json) {
    PrintText(*f);
    return kExitOk;
  }
  json j = {{"cam_id", crypto::UpperHex(f->cam)},
            {"dsc_id", crypto::UpperHex(f->dsc)},
            {"certificate",
             {{"octets", f->certificate_der.size()},
              {"summary", CertificateSummary(f->certificate_der)}}},
            {"ki_opc_pairs", storage::kKiOpcPairs},
            {"key_pairing_id", crypto::UpperHex(storage::MakeKeyPairingId(f->cam, f->dsc))},
            {"pairing", {{"has_kpk", f->has_kpk}, {"sign_kpk_octets", f->sign_kpk_len}}},
            {"state", StateJson(f->state)},
            {"reports", f->reports}};
  std::cout << j.dump() << "\n";
  return kExitOk;
}

int RunAcReports(const AcArgs& a) {
  auto store = OpenStore(a.db);
  if (!store) {
    return Fail(store.error());
  }
  const crypto::CamId cam = ParseCamId(a.cam_hex);
  auto f = LoadCam(**store, cam);
  if (!f) {
    return Fail(f.error());
  }
  auto reports = (*store)->ListReports(cam);
  if (!reports) {
    return Fail(reports.error());
  }
  for (const storage::Report& r : *reports) {
    if (r.kind == storage::ReportKind::kRenewal) {
      std::printf("%-8s %s  CASS %s  %s\n", ReportKindName(r.kind), UtcTime(r.unix_ms).c_str(),
                  crypto::UpperHex(r.cass_id).c_str(), RenewalText(r).c_str());
      continue;
    }
    std::printf("%-8s %s  CASS %s  %zu octets  %s\n", ReportKindName(r.kind),
                UtcTime(r.unix_ms).c_str(), crypto::UpperHex(r.cass_id).c_str(), r.body.size(),
                ToHex(r.body).c_str());
  }
  std::printf("CAM %s: %zu reports\n", crypto::UpperHex(cam).c_str(), reports->size());
  return kExitOk;
}

int RunAcExport(const AcArgs& a) {
  auto store = OpenStore(a.db);
  if (!store) {
    return Fail(store.error());
  }
  std::ofstream file;
  if (!a.out.empty()) {
    file.open(a.out, std::ios::trunc);
    if (!file) {
      return Fail(a.out + ": cannot be written");
    }
  }
  std::ostream& out = a.out.empty() ? std::cout : file;
  const storage::AcStore& s = **store;
  std::string error;
  uint64_t count = 0;
  Status walked = s.ForEachCam([&](const crypto::CamId& cam, const storage::CamIdentity& id,
                                   const std::optional<CamState>& state) {
    CamFacts f;
    f.cam = cam;
    f.dsc = id.dsc_id;
    f.state = state;
    if (Status st = Complete(s, f); !st) {
      error = st.error();
      return false;
    }
    json j = {{"cam_id", crypto::UpperHex(cam)},
              {"dsc_id", crypto::UpperHex(id.dsc_id)},
              {"state", StateJson(state)},
              {"has_kpk", f.has_kpk},
              {"reports", f.reports}};
    out << j.dump() << '\n';
    ++count;
    return static_cast<bool>(out);
  });
  if (!walked) {
    return Fail(walked.error());
  }
  if (!error.empty()) {
    return Fail(error);
  }
  out.flush();
  if (!out) {
    return Fail((a.out.empty() ? std::string("stdout") : a.out) + ": write failed");
  }
  std::cerr << "exported " << count << " CAMs" << (a.out.empty() ? "" : " to " + a.out) << "\n";
  return kExitOk;
}

}  // namespace rcas::tools
