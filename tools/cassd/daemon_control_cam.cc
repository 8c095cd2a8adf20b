// The control socket's `cam ...` requests (docs/cassd.md, "Control socket"): join/leave and the
// authCount reset go through the daemon's own AC service, on the CAM's queue and serialised with
// its authentications (the offline `rcasctl ac` cannot open the store the daemon holds); show
// and reports read the store (point and prefix reads, as the catalog's PlanFor does). Never a
// secret: Ki/OPc, KPK and sIGN-kpk are only said to be there.

#include "storage/renewal_record.h"
#include "tools/cassd/daemon.h"

namespace rcas::tools::cassd {
namespace {

constexpr size_t kMaxReportsShown = 100;  // the latest; an answer stays far below max_unsent

constexpr char kCamUsage[] =
    "usage: cam show|reports|reset-count CAM_ID | cam set-state CAM_ID join|leave";

std::string Kv(const LogFields& fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    out += (out.empty() ? "" : " ") + std::string(key) + "=" + value;
  }
  return out;
}

// CamLine: the CAM's identity and Annex C record, one kv line; error text when unreadable.
Result<std::string> CamLine(const storage::AcStore& store, const crypto::CamId& cam) {
  auto id = store.GetIdentity(cam);
  auto state = store.GetState(cam);
  if (!id.ok() || !state.ok()) {
    return Error{!id.ok() ? id.error() : state.error()};
  }
  if (!*id) {
    return Error{"CAM " + ToHex(cam) + " is not provisioned"};
  }
  auto pairing = store.GetPairing(storage::MakeKeyPairingId(cam, (*id)->dsc_id));
  if (!pairing.ok()) {
    return Error{pairing.error()};
  }
  const storage::CamState s = state->value_or(storage::CamState{});
  const bool kpk = *pairing && (*pairing)->has_kpk;
  return Kv({{"cam_id", ToHex(cam)},
             {"dsc_id", ToHex((*id)->dsc_id)},
             {"certificate_octets", std::to_string((*id)->certificate_der.size())},
             {"ki_opc", "provisioned(not-shown)"},
             {"kpk", kpk ? "present(not-shown)" : "none"},
             {"state", storage::CamStateName(s.state)},
             {"decided", *state ? "true" : "false"},
             {"hw", s.versions_set ? ToHex(s.hw) : "unknown"},
             {"sw", s.versions_set ? ToHex(s.sw) : "unknown"},
             {"cas_image_version", s.image_set ? std::to_string(s.cas_image_version) : "none"},
             {"cass_id", s.image_set ? ToHex(s.cass_id) : "none"},
             {"auth_count", std::to_string(s.auth_count)},
             {"c1_pending", s.c1_pending ? "true" : "false"},
             {"updated_unix_ms", std::to_string(s.updated_unix_ms)}});
}

std::string ReportLine(const storage::Report& r) {
  LogFields f = {{"unix_ms", std::to_string(r.unix_ms)}, {"cass_id", ToHex(r.cass_id)}};
  if (r.kind == storage::ReportKind::kRenewal) {
    const auto rec = storage::DecodeRenewalRecord(r.body);
    f.insert(f.begin(), {"kind", "renewal"});
    f.emplace_back("result", rec ? storage::RenewalResultName(rec->result) : "undecodable");
    f.emplace_back("deliver_version", rec ? std::to_string(rec->deliver_version) : "none");
  } else {
    f.insert(f.begin(), {"kind", r.kind == storage::ReportKind::kPurchase ? "purchase" : "log"});
    f.emplace_back("octets", std::to_string(r.body.size()));
    f.emplace_back("body", ToHex(r.body));
  }
  return "report " + Kv(f) + "\n";
}

}  // namespace

void CassDaemon::ControlCam(uint64_t client, const std::vector<std::string>& words) {
  const std::string action = words.size() >= 2 ? words[1] : "";
  const auto hex = words.size() >= 3 ? FromHex(words[2]) : std::nullopt;
  const bool set_state =
      action == "set-state" && words.size() == 4 && (words[3] == "join" || words[3] == "leave");
  const bool one_cam =
      (action == "show" || action == "reports" || action == "reset-count") && words.size() == 3;
  if (!set_state && !one_cam) {
    control_->Answer(client, "", kCamUsage);
    return;
  }
  if (!hex || hex->size() != crypto::kCamIdLen) {
    control_->Answer(client, "", "CAM_ID must be 16 hex digits");
    return;
  }
  crypto::CamId cam{};
  CopyTo(cam, *hex);
  if (action == "show" || action == "reports") {
    auto line = CamLine(*store_, cam);
    auto reports = action == "reports"
                       ? store_->ListReports(cam)
                       : Result<std::vector<storage::Report>>(std::vector<storage::Report>{});
    if (!line.ok() || !reports.ok()) {
      control_->Answer(client, "", !line.ok() ? line.error() : reports.error());
      return;
    }
    if (action == "show") {
      control_->Answer(client, "cam " + *line);
      return;
    }
    const size_t skip = reports->size() > kMaxReportsShown ? reports->size() - kMaxReportsShown : 0;
    std::string out;
    for (size_t i = skip; i < reports->size(); ++i) {
      out += ReportLine((*reports)[i]);
    }
    out += "reports total=" + std::to_string(reports->size()) +
           " shown=" + std::to_string(reports->size() - skip) + "\n";
    control_->Answer(client, out);
    return;
  }
  control::AcRequest req;
  req.tag = client;
  req.cam_id = cam;
  req.kind =
      set_state ? control::AcRequestKind::kSetState : control::AcRequestKind::kResetAuthCount;
  // join = as manufactured (VIRGIN), leave = AUTH_NOT_SERVICE (PROFILE §16.3, S8).
  req.new_state = set_state && words[3] == "leave" ? storage::CamStateKind::kAuthNotService
                                                   : storage::CamStateKind::kVirgin;
  if (!ac_->Submit(std::move(req), *operator_cq_)) {
    control_->Answer(client, "", "the AC queue is full; try again");
  }
}

// OnOperatorResults answers the `cam set-state|reset-count` whose decision the AC committed,
// with the record as it now stands.
void CassDaemon::OnOperatorResults() {
  std::vector<control::AcResult> results;
  operator_cq_->Poll(results);
  for (const control::AcResult& r : results) {
    const std::string cam = ToHex(r.cam_id);
    const char* what = r.kind == control::AcRequestKind::kSetState ? "set-state" : "reset-count";
    if (!r.ok) {
      const std::string why =
          r.refusal == control::Refusal::kUnknownId
              ? "CAM " + cam + " is not provisioned"
              : "CAM " + cam + ": " + (r.error.empty() ? control::RefusalName(r.refusal) : r.error);
      log_.Warn("control-cam", {{"cam_id", cam}, {"action", what}, {"error", why}});
      control_->Answer(r.tag, "", why);
      continue;
    }
    auto line = CamLine(*store_, r.cam_id);
    log_.Info("control-cam", {{"cam_id", cam}, {"action", what}});
    control_->Answer(r.tag, line.ok() ? "cam " + *line : "", line.ok() ? "" : line.error());
  }
}

}  // namespace rcas::tools::cassd
