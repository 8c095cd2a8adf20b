// `rcasctl ac set-state|reset-count|repair`: operator actions on one CAM. They go through
// AcService::Call, the same per-CAM queue as authentications, so they are serialised with them
// and committed durably before the confirmation is printed (docs/ac-service.md).

#include <iostream>
#include <memory>

#include "control/ac_service.h"
#include "crypto/x509_issue.h"
#include "tools/rcasctl/ac_command.h"
#include "tools/rcasctl/command.h"

namespace rcas::tools {
namespace {

using control::AcRequest;
using control::AcRequestKind;

// CallOperator opens the store, runs `req` through the AC service (no root key: operator
// actions never make a pairing) and returns the exit status; on success it prints `done`.
int CallOperator(const AcArgs& a, AcRequest req, const std::string& done) {
  auto store = OpenStore(a.db);
  if (!store) {
    return Fail(store.error());
  }
  req.cam_id = ParseCamId(a.cam_hex);
  control::AcResult result;
  {
    control::AcService service(**store, nullptr, control::AcOptions{});
    result = service.Call(std::move(req));
  }
  if (!result.ok) {
    if (result.refusal == control::Refusal::kUnknownId) {
      return Fail("CAM " + crypto::UpperHex(result.cam_id) + " is not provisioned in " + a.db);
    }
    return Fail("CAM " + crypto::UpperHex(result.cam_id) + ": " +
                (result.error.empty() ? control::RefusalName(result.refusal) : result.error));
  }
  std::cout << "CAM " << crypto::UpperHex(result.cam_id) << ": " << done << "\n";
  return kExitOk;
}

// StateOf maps the command line's state (validated against this list) to the record's.
storage::CamStateKind StateOf(const std::string& name) {
  if (name == "join") {
    return storage::CamStateKind::kVirgin;
  }
  if (name == "leave") {
    return storage::CamStateKind::kAuthNotService;
  }
  return *storage::ParseCamStateName(name);
}

}  // namespace

int RunAcSetState(const AcArgs& a) {
  AcRequest req;
  req.kind = AcRequestKind::kSetState;
  req.new_state = StateOf(a.state);
  std::string done = std::string("state set to ") + storage::CamStateName(req.new_state);
  if (req.new_state == storage::CamStateKind::kVirgin) {
    done += " (as manufactured: versions, image, CASS and authCount cleared)";
  } else if (req.new_state == storage::CamStateKind::kAuthNotService) {
    done += " (left service; its history is kept)";
  }
  return CallOperator(a, std::move(req), done);
}

int RunAcResetCount(const AcArgs& a) {
  AcRequest req;
  req.kind = AcRequestKind::kResetAuthCount;
  return CallOperator(a, std::move(req), "authCount reset to 0");
}

int RunAcRepair(const AcArgs& a) {
  AcRequest req;
  req.kind = AcRequestKind::kRepair;
  CopyTo(req.dsc_id, *FromHex(a.dsc_hex));  // validated by HexOctets(40)
  const std::string done = "re-paired with DSC_ID " + crypto::UpperHex(req.dsc_id) +
                           "; the old pairing's KPK is dropped, the next KeyRequest makes one";
  return CallOperator(a, std::move(req), done);
}

}  // namespace rcas::tools
