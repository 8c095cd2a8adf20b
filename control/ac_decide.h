#pragma once
// AcBatch: the decisions of one AC worker batch. Requests are decided in order against the store
// plus an overlay of this batch's own uncommitted changes (two requests for one CAM in a batch
// see each other), the changes collect in one WriteSet, and new pairings are signed together.
// Internal to the AC service.

#include <map>
#include <vector>

#include "control/ac_types.h"
#include "crypto/rsa_batch.h"
#include "protocol/key_schedule.h"
#include "storage/ac_store.h"

namespace rcas::control {

class AcBatch {
 public:
  AcBatch(storage::AcStore& store, const crypto::RsaBatchKey* root, const AnnexCPolicy& policy,
          uint64_t now_ms)
      : store_(store), root_(root), policy_(policy), now_ms_(now_ms) {}

  // Decide fills `out` for `req`. Call in order; `out` must stay in place until Finish.
  void Decide(const AcRequest& req, AcResult& out);
  // Finish signs the new pairings and commits. On a commit failure every result that depended
  // on it becomes a refusal with Status 0x83 and the storage error.
  // Returns true if something was committed.
  bool Finish(std::vector<AcResult*>& results);
  uint64_t pairings_made() const { return new_pairings_.size(); }

 private:
  struct NewPairing {
    storage::KeyPairingId kpid;
    storage::Pairing pairing;
    crypto::SecretArray<protocol::kSignKpkInputLen> input;
    std::vector<size_t> users;  // indexes into the results that carry this KPK
  };

  bool FirstCheck(const AcRequest& req, AcResult& out, storage::CamIdentity& id);
  bool LoadIdentity(const crypto::CamId& cam, storage::CamIdentity& id, bool& found, AcResult& out);
  bool LoadState(const crypto::CamId& cam, storage::CamState& s, AcResult& out);
  void PutState(const crypto::CamId& cam, const storage::CamState& s);
  void KeyRequest(const AcRequest& req, AcResult& out);
  void Authenticate(const AcRequest& req, AcResult& out);
  void Operator(const AcRequest& req, AcResult& out);
  void ClearPendingIfInstalled(const AcRequest& req, const storage::CamState& rec);
  bool Pairing(const storage::KeyPairingId& kpid, AcResult& out);
  void Fail(AcResult& out, protocol::StatusCode code, Refusal refusal);
  void StoreError(AcResult& out, const std::string& what, const std::string& error);

  storage::AcStore& store_;
  const crypto::RsaBatchKey* root_;
  AnnexCPolicy policy_;
  uint64_t now_ms_;
  storage::WriteSet writes_;
  std::map<crypto::CamId, storage::CamState> states_;         // this batch's uncommitted states
  std::map<crypto::CamId, storage::CamIdentity> identities_;  // ... and re-paired identities
  std::vector<NewPairing> new_pairings_;
  std::vector<size_t> committed_;  // results that are only true once the commit succeeds
  size_t index_ = 0;               // position of the request being decided
};

}  // namespace rcas::control
