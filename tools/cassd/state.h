#pragma once
// The CASS's own persistent state in [cass].state_dir: RAND_CHK (PROFILE §11.5), drawn once and
// kept so that a restart keeps CHK: CAMs keyed before it keep verifying the announcements and
// need not all re-key at once (§23 item 13 makes a rotation an operator event, not a restart).

#include <optional>
#include <string>

#include "crypto/result.h"
#include "crypto/secret.h"
#include "protocol/key_schedule.h"

namespace rcas::tools::cassd {

using RandChk = crypto::SecretArray<protocol::kRandLen>;

// ReadPrivateFile reads a key file of the state folder: nullopt when it does not exist; an error
// when others may read it, it is not ours or not a regular file, or it exceeds `max_size`.
Result<std::optional<crypto::SecretBytes>> ReadPrivateFile(const std::string& path,
                                                           size_t max_size);
// ReplacePrivateFile writes state_dir/name (mode 0600) through a temporary file that is fsynced
// and renamed, then fsyncs the folder (created 0700 if missing): a crash leaves the old or the
// new content, never a torn one.
Status ReplacePrivateFile(const std::string& state_dir, const std::string& name, ByteView data);

// LoadRandChk reads state_dir/rand_chk (exactly 40 octets, mode 0600, owned by us) or, when it
// does not exist, draws one and writes it (file fsynced, then renamed into place, folder 0700
// created if missing). A file that others may read, or of the wrong size, is an error.
Result<RandChk> LoadRandChk(const std::string& state_dir, bool* created);

}  // namespace rcas::tools::cassd
