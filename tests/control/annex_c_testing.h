#pragma once
// Fixtures for the Annex C tests: a CAM record in a known state, the facts of one
// authentication, and the commit of PROFILE §16.4 written out once, independently of
// control/annex_c.cc, so that every accepted path is checked against the same model.

#include <cstdint>
#include <ostream>

#include "control/annex_c.h"
#include "storage/cam_record.h"

namespace rcas::storage {

// Readable failure messages: gtest would otherwise dump the struct's bytes.
inline void PrintTo(const CamState& s, std::ostream* os) {
  auto version = [os](const VersionField& v) {
    *os << int{v[0]} << '.' << int{v[1]} << '.' << int{v[2]} << '.' << int{v[3]};
  };
  *os << "{" << CamStateName(s.state) << " versions_set=" << s.versions_set << " hw=";
  version(s.hw);
  *os << " sw=";
  version(s.sw);
  *os << " image_set=" << s.image_set << " image=" << s.cas_image_version << " cass=";
  version(s.cass_id);
  *os << " auth_count=" << s.auth_count << " c1_pending=" << s.c1_pending
      << " updated=" << s.updated_unix_ms << "}";
}

}  // namespace rcas::storage

namespace rcas::control {

inline void PrintTo(Refusal r, std::ostream* os) { *os << RefusalName(r); }

namespace annex_c_testing {

inline constexpr crypto::CassId kZoneA{0x0A, 0x00, 0x00, 0x01};
inline constexpr crypto::CassId kZoneB{0x0B, 0x00, 0x00, 0x02};
inline constexpr storage::VersionField kHw{1, 2, 0, 0};
inline constexpr storage::VersionField kSw{3, 4, 0, 0};
inline constexpr storage::VersionField kOtherHw{1, 2, 0, 1};
inline constexpr storage::VersionField kOtherSw{3, 4, 0, 1};
inline constexpr uint64_t kImage = 7;  // the deliverVersion committed last
inline constexpr uint64_t kEarlier = 1'000;
inline constexpr uint64_t kNow = 1'700'000'000'000;

// InZoneA is a CAM whose last committed decision was image kImage in zone A, with the
// versions kHw/kSw known (from manufacturing or its first authentication).
inline storage::CamState InZoneA(storage::CamStateKind state, uint32_t auth_count = 0) {
  storage::CamState s;
  s.state = state;
  s.versions_set = true;
  s.hw = kHw;
  s.sw = kSw;
  s.image_set = true;
  s.cas_image_version = kImage;
  s.cass_id = kZoneA;
  s.auth_count = auth_count;
  s.updated_unix_ms = kEarlier;
  return s;
}

// Factory is a CAM nobody has authenticated yet: VIRGIN, nothing set (PROFILE §16.3).
inline storage::CamState Factory() {
  storage::CamState s;
  s.updated_unix_ms = kEarlier;
  return s;
}

// Manufactured is a VIRGIN CAM whose hw/sw came with manufacturing (PROFILE §16.3).
inline storage::CamState Manufactured() {
  storage::CamState s = Factory();
  s.versions_set = true;
  s.hw = kHw;
  s.sw = kSw;
  return s;
}

inline AuthFacts Facts(const crypto::CassId& zone, uint64_t deliver_version,
                       const storage::VersionField& hw = kHw,
                       const storage::VersionField& sw = kSw) {
  AuthFacts f;
  f.cass_id = zone;
  f.hw = hw;
  f.sw = sw;
  f.deliver_version = deliver_version;
  return f;
}

inline AnnexCPolicy Policy(AnnexCMode mode, uint32_t limit = kDefaultOperatorLimit) {
  AnnexCPolicy p;
  p.mode = mode;
  p.operator_limit = limit;
  return p;
}

// Committed is the record after an accepted authentication, as the "commit:" block of
// PROFILE §16.4 states it: AUTH_SERVICE, hw/sw only if still unset, the delivered image and
// the CASS zone recorded, authCount counted in C2 only; and our mark of a pending mode C1
// commit (docs/ac-service.md, pending registrations), cleared by a C2 commit.
inline storage::CamState Committed(const storage::CamState& rec, const AuthFacts& facts,
                                   AnnexCMode mode, uint64_t now_ms) {
  storage::CamState want = rec;
  want.state = storage::CamStateKind::kAuthService;
  if (!rec.versions_set) {
    want.versions_set = true;
    want.hw = facts.hw;
    want.sw = facts.sw;
  }
  want.image_set = true;
  want.cas_image_version = facts.deliver_version;
  want.cass_id = facts.cass_id;
  if (mode == AnnexCMode::kC2) {
    want.auth_count = rec.auth_count + 1;
  }
  want.c1_pending = mode == AnnexCMode::kC1;
  want.updated_unix_ms = now_ms;
  return want;
}

}  // namespace annex_c_testing
}  // namespace rcas::control
