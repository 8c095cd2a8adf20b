#pragma once
// FlowKeys: one session's keys in the form the dataplane's IPsec-MB bursts consume
// (crypto/burst.h). The keyed CAM -> CASS types need two contexts (PROFILE §9.1): CAMReg is
// MAC-only under IK; RenewConfirm, PurchaseReport and LogResponse are encrypted under MEK from
// the IV base MEK-IV and MACed under IK. A normal-mode session knows IK before MEK and MEK-IV
// (§11), so `full` may be missing while `mac_only` is set.

#include "crypto/key_context.h"
#include "crypto/result.h"
#include "protocol/message_type.h"
#include "protocol/session_keys.h"

namespace rcas::protocol {

struct FlowKeys {
  crypto::KeyContext mac_only;  // IK
  crypto::KeyContext full;      // EK = MEK, IK, IVB = MEK-IV
  bool has_full = false;

  // For is the context that opens a keyed CAM -> CASS message of type `t`, or null when this
  // flow does not have it yet (or `t` is not such a type: signed and Status messages are opened
  // by the control thread).
  const crypto::KeyContext* For(MessageType t) const;
};

// MakeFlowKeys fills `out` from what `keys` knows so far.
Status MakeFlowKeys(const SessionKeys& keys, FlowKeys* out);

// OpenedByDataplane: the types a dataplane worker authenticates and decrypts itself.
bool OpenedByDataplane(MessageType t);

}  // namespace rcas::protocol
