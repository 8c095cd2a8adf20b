#include "control/ac_decide.h"

#include <algorithm>

#include "crypto/random.h"
#include "protocol/key_schedule.h"
#include "protocol/key_schedule_fast.h"

namespace rcas::control {

using protocol::StatusCode;
using storage::CamIdentity;
using storage::CamState;

void AcBatch::Fail(AcResult& out, StatusCode code, Refusal refusal) {
  out.ok = false;
  out.status = code;
  out.refusal = refusal;
}

void AcBatch::StoreError(AcResult& out, const std::string& what, const std::string& error) {
  Fail(out, StatusCode::kBusy, Refusal::kNone);
  out.error = what + ": " + error;
}

bool AcBatch::LoadIdentity(const crypto::CamId& cam, CamIdentity& id, bool& found, AcResult& out) {
  if (auto it = identities_.find(cam); it != identities_.end()) {
    id = it->second;
    found = true;
    return true;
  }
  auto got = store_.GetIdentity(cam);
  if (!got.ok()) {
    StoreError(out, "read identity", got.error());
    return false;
  }
  found = got->has_value();
  if (found) {
    id = std::move(**got);
  }
  return true;
}

// FirstCheck is Annex C's ID validity check: CASS_ID known, CAM_ID provisioned, DSC_ID the one
// it is paired with, and (where the request carries one) the provisioned certificate.
bool AcBatch::FirstCheck(const AcRequest& req, AcResult& out, CamIdentity& id) {
  auto cass = store_.HasCass(req.cass_id);
  if (!cass.ok()) {
    StoreError(out, "read cass", cass.error());
    return false;
  }
  bool found = false;
  if (!LoadIdentity(req.cam_id, id, found, out)) {
    return false;
  }
  if (!*cass || !found || id.dsc_id != req.dsc_id) {
    Fail(out, StatusCode::kIdValidationFail, Refusal::kUnknownId);
    return false;
  }
  if (!req.certificate_der.empty() && req.certificate_der != id.certificate_der) {
    Fail(out, StatusCode::kIdValidationFail, Refusal::kCertificateMismatch);
    return false;
  }
  return true;
}

bool AcBatch::LoadState(const crypto::CamId& cam, CamState& s, AcResult& out) {
  if (auto it = states_.find(cam); it != states_.end()) {
    s = it->second;
    return true;
  }
  auto got = store_.GetState(cam);
  if (!got.ok()) {
    StoreError(out, "read state", got.error());
    return false;
  }
  s = got->value_or(CamState{});
  return true;
}

void AcBatch::PutState(const crypto::CamId& cam, const CamState& s) {
  states_[cam] = s;
  writes_.PutState(cam, s);
  committed_.push_back(index_);
}

// Pairing fills KPK and sIGN-kpk: the stored pair, one made earlier in this batch, or a new one
// (signed in Finish, PROFILE §22 Q7).
bool AcBatch::Pairing(const storage::KeyPairingId& kpid, AcResult& out) {
  for (NewPairing& p : new_pairings_) {
    if (p.kpid == kpid) {
      out.kpk = p.pairing.kpk;
      p.users.push_back(index_);
      committed_.push_back(index_);
      return true;
    }
  }
  auto got = store_.GetPairing(kpid);
  if (!got.ok()) {
    StoreError(out, "read pairing", got.error());
    return false;
  }
  if (got->has_value() && (*got)->has_kpk) {
    out.kpk = (*got)->kpk;
    out.sign_kpk = (*got)->sign_kpk;
    return true;
  }
  if (root_ == nullptr) {
    StoreError(out, "pairing", "no AC root key to sign a new KPK");
    return false;
  }
  NewPairing& p = new_pairings_.emplace_back();
  p.kpid = kpid;
  p.pairing.has_kpk = true;
  crypto::RandomBytes(p.pairing.kpk.mutable_view());
  p.input = protocol::SignKpkInput(kpid, p.pairing.kpk);
  p.users.push_back(index_);
  out.kpk = p.pairing.kpk;
  committed_.push_back(index_);
  return true;
}

// KeyRequest is normal-mode stage 1 (PROFILE §16.2): first check, then the AC material. The
// Annex C state is not touched here; a replayed KeyRequest cannot move it.
void AcBatch::KeyRequest(const AcRequest& req, AcResult& out) {
  CamIdentity id;
  if (!FirstCheck(req, out, id)) {
    return;
  }
  for (size_t j = 0; j < kTriplets; ++j) {
    do {  // pairwise distinct (PROFILE §11.2)
      crypto::RandomBytes(out.rand_ac[j]);
    } while (std::find(out.rand_ac.begin(), out.rand_ac.begin() + j, out.rand_ac[j]) !=
             out.rand_ac.begin() + j);
    out.kc[j] = protocol::DeriveKc(id.keys[j].ki, id.keys[j].opc, out.rand_ac[j]);
  }
  if (Pairing(storage::MakeKeyPairingId(req.cam_id, req.dsc_id), out)) {
    out.ok = true;
  }
}

// Authenticate is normal-mode stage 2 (CAMReg) and fast mode: second to fourth checks and
// the commit. Fast mode also makes AK from a NONCE_CAM the AC draws (PROFILE §12.2).
void AcBatch::Authenticate(const AcRequest& req, AcResult& out) {
  CamIdentity id;
  CamState rec;
  if (!FirstCheck(req, out, id) || !LoadState(req.cam_id, rec, out)) {
    return;
  }
  AuthFacts facts{req.cass_id, req.hw, req.sw, req.deliver_version};
  AnnexCOutcome outcome = control::Authenticate(rec, facts, policy_, now_ms_);
  if (outcome.ok()) {
    PutState(req.cam_id, outcome.next);
  } else if (req.sole_session && PendingRetry(rec, facts, policy_, now_ms_)) {
    // [choice] a retry of a pending C1 commit (annex_c.h): nothing to write, the record already
    // says what a commit would, and its time must stay the commit's. The answer rests on this
    // batch's commit when the pending record is one of this batch's own.
    if (states_.contains(req.cam_id)) {
      committed_.push_back(index_);
    }
    out.pending_retry = true;
  } else {
    Fail(out, StatusCode::kAcRefused, outcome.refusal);
    return;
  }
  if (req.kind == AcRequestKind::kFast) {
    crypto::RandomBytes(out.nonce_cam);
    auto seed = protocol::DeriveAkSeed(req.cam_id, req.session_id, out.nonce_cam, req.hw, req.sw);
    out.ak = protocol::DeriveAk(seed);
  }
  out.ok = true;
}

void AcBatch::Decide(const AcRequest& req, AcResult& out) {
  out.tag = req.tag;
  out.kind = req.kind;
  out.cam_id = req.cam_id;
  switch (req.kind) {
    case AcRequestKind::kNormalKeyRequest:
      KeyRequest(req, out);
      break;
    case AcRequestKind::kNormalCamReg:
    case AcRequestKind::kFast:
      Authenticate(req, out);
      break;
    default:
      Operator(req, out);
      break;
  }
  ++index_;
}

}  // namespace rcas::control
