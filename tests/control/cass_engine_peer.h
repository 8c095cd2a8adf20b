#pragma once
// CassEnginePeer: test-only access to CassEngine's insides (a QUICHE-style *_peer.h).

#include <vector>

#include "control/cass_engine.h"

namespace rcas::control {

class CassEnginePeer {
 public:
  // config: observers may be set after construction, before the first message.
  static CassEngineConfig& config(CassEngine& e) { return e.config_; }
  // queued: what was handed to Send and not yet taken by TakeOutput.
  static const std::vector<OutMessage>& queued(const CassEngine& e) { return e.out_; }
};

}  // namespace rcas::control
