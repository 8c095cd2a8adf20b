#pragma once
// Pure helpers of the CAM's announcement handling (PROFILE §6.2, §13.1, §13.2), used by
// CamMachine (tools/cam_announce.cc) and tested on their own.

#include <cstdint>
#include <optional>

#include "crypto/bytes.h"
#include "protocol/content.h"
#include "tools/cam_io.h"

namespace rcas::tools {

// AnnouncementFresh is the §6.2 window: counter > last, or counter == last and the message is
// byte-identical to the last accepted one (periodic repetition). A first message (no last
// bytes) is fresh when counter >= last.
bool AnnouncementFresh(uint64_t last_counter, ByteView last_message, uint64_t counter,
                       ByteView message);

// ParseDownloadSchedule reads "YYMMDDhhmmss" (UTC, year 2000 + YY) into Unix seconds;
// "000000000000" (now) is 0. nullopt for a date that does not exist.
std::optional<int64_t> ParseDownloadSchedule(ByteView schedule);

// TargetOf is the session target of a cASSInfo (§5.2, §13.1): address text without its NUL
// padding, port, transport; nullopt if a field is out of range.
std::optional<CamTarget> TargetOf(const protocol::CassInfo& info);

}  // namespace rcas::tools
