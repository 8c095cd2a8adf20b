// AcBatch: the requests that are not authentications (forwarded RenewConfirm, reports, operator
// actions) and the batch's sign-and-commit.
#include <ctime>

#include "control/ac_decide.h"
#include "storage/renewal_record.h"

namespace rcas::control {

using protocol::StatusCode;
using storage::CamIdentity;
using storage::CamState;
using storage::CamStateKind;

void AcBatch::Operator(const AcRequest& req, AcResult& out) {
  CamIdentity id;
  bool found = false;
  if (!LoadIdentity(req.cam_id, id, found, out)) {
    return;
  }
  if (!found) {
    Fail(out, StatusCode::kIdValidationFail, Refusal::kUnknownId);
    return;
  }
  CamState rec;
  if (!LoadState(req.cam_id, rec, out)) {
    return;
  }
  switch (req.kind) {
    case AcRequestKind::kRenewConfirm:
      // Only mode C2 forwards RenewConfirm (PROFILE §16.4); in C1 the CASS keeps it.
      if (policy_.mode == AnnexCMode::kC2) {
        CamState next = RenewConfirm(rec, req.download_ok, now_ms_);
        if (next != rec) {
          PutState(req.cam_id, next);
        }
      }
      break;
    case AcRequestKind::kPurchaseReport:
    case AcRequestKind::kLogResponse:
    case AcRequestKind::kRenewalReport: {
      storage::Report r;
      r.kind = req.kind == AcRequestKind::kPurchaseReport ? storage::ReportKind::kPurchase
               : req.kind == AcRequestKind::kLogResponse  ? storage::ReportKind::kLog
                                                          : storage::ReportKind::kRenewal;
      r.unix_ms = now_ms_;
      r.cass_id = req.cass_id;
      r.body = req.report;
      writes_.AppendReport(req.cam_id, r);
      committed_.push_back(index_);
      ClearPendingIfInstalled(req, rec);
      break;
    }
    case AcRequestKind::kSetState: {
      // virgin = as manufactured: the Annex C history goes too ("join" of a replaced box);
      // not-service = "leave" (S8): the history stays, the next authentication passes.
      // Either way the operator owns the record now: no C1 commit is pending any more.
      CamState next = req.new_state == CamStateKind::kVirgin ? CamState{} : rec;
      next.state = req.new_state;
      next.c1_pending = false;
      next.updated_unix_ms = now_ms_;
      PutState(req.cam_id, next);
      break;
    }
    case AcRequestKind::kResetAuthCount:
      rec.auth_count = 0;
      if (!rec.c1_pending) {  // a pending C1 commit's window runs from the commit
        rec.updated_unix_ms = now_ms_;
      }
      PutState(req.cam_id, rec);
      break;
    case AcRequestKind::kRepair: {
      // The old pairing's KPK goes; the next KeyRequest makes one for the new pairing.
      writes_.DeletePairing(storage::MakeKeyPairingId(req.cam_id, id.dsc_id));
      id.dsc_id = req.dsc_id;
      writes_.PutIdentity(req.cam_id, id);
      identities_[req.cam_id] = std::move(id);
      committed_.push_back(index_);
      if (rec.c1_pending) {  // a new pairing is not a retry of the old one's registration
        rec.c1_pending = false;
        rec.updated_unix_ms = now_ms_;
        PutState(req.cam_id, rec);
      }
      break;
    }
    default:
      Fail(out, StatusCode::kUnexpected, Refusal::kNone);
      out.error = "not an operator request";
      return;
  }
  out.ok = true;
}

// ClearPendingIfInstalled: a renewal record saying RenewConfirm(TRUE) ends the CAM's pending C1
// commit in the same write as the report (annex_c.h InstallationReported, §16.5). A failed
// download or an undecodable record keeps it.
void AcBatch::ClearPendingIfInstalled(const AcRequest& req, const CamState& rec) {
  if (req.kind != AcRequestKind::kRenewalReport || !rec.c1_pending) {
    return;
  }
  const auto renewal = storage::DecodeRenewalRecord(req.report);
  if (renewal && renewal->result == storage::RenewalResult::kInstalled) {
    PutState(req.cam_id, InstallationReported(rec, now_ms_));
  }
}

bool AcBatch::Finish(std::vector<AcResult*>& results) {
  if (!new_pairings_.empty()) {
    std::vector<Bytes> sigs(new_pairings_.size());
    std::vector<crypto::RsaSignJob> jobs;
    jobs.reserve(new_pairings_.size());
    for (size_t i = 0; i < new_pairings_.size(); ++i) {
      jobs.push_back({root_, new_pairings_[i].input.view(), &sigs[i]});
    }
    crypto::SignPkcs1Sha256Batch(jobs);
    for (size_t i = 0; i < new_pairings_.size(); ++i) {
      NewPairing& p = new_pairings_[i];
      p.pairing.sign_kpk = std::move(sigs[i]);
      for (size_t user : p.users) {
        if (p.pairing.sign_kpk.empty()) {
          StoreError(*results[user], "sIGN-kpk", "the AC root key failed to sign");
        } else {
          results[user]->sign_kpk = p.pairing.sign_kpk;
        }
      }
      if (!p.pairing.sign_kpk.empty()) {
        writes_.PutPairing(p.kpid, p.pairing);
      }
    }
  }
  if (writes_.count() == 0) {
    return false;
  }
  Status st = store_.Commit(writes_, /*durable=*/true);
  if (st.ok()) {
    return true;
  }
  for (size_t i : committed_) {
    AcResult& r = *results[i];
    r = AcResult{r.tag, r.kind, r.cam_id};
    StoreError(r, "commit", st.error());
  }
  return false;
}

}  // namespace rcas::control
