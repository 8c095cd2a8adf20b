#pragma once
// The CASS's own persistent state in [cass].state_dir: RAND_CHK (PROFILE §11.5), drawn once and
// kept so that a restart keeps CHK: CAMs keyed before it keep verifying the announcements and
// need not all re-key at once (§23 item 13 makes a rotation an operator event, not a restart).

#include <string>

#include "crypto/result.h"
#include "crypto/secret.h"
#include "protocol/key_schedule.h"

namespace rcas::tools::cassd {

using RandChk = crypto::SecretArray<protocol::kRandLen>;

// LoadRandChk reads state_dir/rand_chk (exactly 40 octets, mode 0600, owned by us) or, when it
// does not exist, draws one and writes it (file fsynced, then renamed into place, folder 0700
// created if missing). A file that others may read, or of the wrong size, is an error.
Result<RandChk> LoadRandChk(const std::string& state_dir, bool* created);

}  // namespace rcas::tools::cassd
