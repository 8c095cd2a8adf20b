#include "protocol/flow_keys.h"

#include "protocol/protect_table.h"

namespace rcas::protocol {

bool OpenedByDataplane(MessageType t) {
  return t == MessageType::kCamReg || t == MessageType::kRenewConfirm ||
         t == MessageType::kPurchaseReport || t == MessageType::kLogResponse;
}

const crypto::KeyContext* FlowKeys::For(MessageType t) const {
  if (!OpenedByDataplane(t)) {
    return nullptr;
  }
  if (!ProtectionOf(t).encrypted) {
    return mac_only.has_mac_key() ? &mac_only : nullptr;
  }
  return has_full ? &full : nullptr;
}

Status MakeFlowKeys(const SessionKeys& keys, FlowKeys* out) {
  out->has_full = false;
  out->full.Wipe();
  if (Status s = out->mac_only.Init({}, keys.ik(), {}); !s.ok()) {
    return s;
  }
  if (keys.mek() == nullptr || keys.mek_iv() == nullptr) {
    return OkStatus();
  }
  if (Status s = out->full.Init(keys.mek()->view(), keys.ik(), keys.mek_iv()->view()); !s.ok()) {
    return s;
  }
  out->has_full = true;
  return OkStatus();
}

}  // namespace rcas::protocol
