#pragma once
// Test helpers for storage/: sample records that differ per CAM, and a store in a fresh
// temporary directory.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "storage/ac_store.h"
#include "tests/common/temp_dir.h"

namespace rcas::storage::testing {

// Has checks that `text` contains `part` (an error message names what it must).
inline ::testing::AssertionResult Has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

inline crypto::CamId Cam(uint64_t n) {
  crypto::CamId c{};
  StoreBe64(c.data(), n);
  return c;
}

inline crypto::CassId Cass(uint32_t n) {
  crypto::CassId c{};
  StoreBe32(c.data(), n);
  return c;
}

// SampleIdentity fills every field from `seed`, so two seeds give different values.
inline CamIdentity SampleIdentity(uint64_t seed, size_t cert_len = 700) {
  CamIdentity id;
  for (size_t i = 0; i < id.dsc_id.size(); ++i) {
    id.dsc_id[i] = static_cast<uint8_t>(seed * 7 + i);
  }
  for (size_t j = 0; j < id.keys.size(); ++j) {
    for (size_t i = 0; i < 16; ++i) {
      id.keys[j].ki[i] = static_cast<uint8_t>(seed + 31 * j + i);
      id.keys[j].opc[i] = static_cast<uint8_t>(seed * 3 + 17 * j + i);
    }
  }
  id.certificate_der.resize(cert_len);
  for (size_t i = 0; i < cert_len; ++i) {
    id.certificate_der[i] = static_cast<uint8_t>(seed ^ (i * 13));
  }
  return id;
}

inline CamState SampleState(uint64_t seed) {
  CamState s;
  s.state = static_cast<CamStateKind>(seed % 3);
  s.versions_set = seed % 2 == 0;
  s.hw = {1, 2, 3, static_cast<uint8_t>(seed)};
  s.sw = {4, 5, 6, static_cast<uint8_t>(seed >> 8)};
  s.image_set = true;
  s.cas_image_version = 0x0102030405060708 + seed;
  s.cass_id = Cass(static_cast<uint32_t>(seed * 5));
  s.auth_count = static_cast<uint32_t>(seed * 11);
  s.updated_unix_ms = 1700000000000 + seed;
  return s;
}

inline Pairing SamplePairing(uint64_t seed) {
  Pairing p;
  p.has_kpk = true;
  for (size_t i = 0; i < kNormalKpkLen; ++i) {
    p.kpk[i] = static_cast<uint8_t>(seed + i);
  }
  p.sign_kpk.assign(kSignKpkLen, static_cast<uint8_t>(seed));
  return p;
}

inline bool SameIdentity(const CamIdentity& a, const CamIdentity& b) {
  if (a.dsc_id != b.dsc_id || a.certificate_der != b.certificate_der) {
    return false;
  }
  for (size_t j = 0; j < a.keys.size(); ++j) {
    if (!std::equal(a.keys[j].ki.view().begin(), a.keys[j].ki.view().end(),
                    b.keys[j].ki.view().begin()) ||
        !std::equal(a.keys[j].opc.view().begin(), a.keys[j].opc.view().end(),
                    b.keys[j].opc.view().begin())) {
      return false;
    }
  }
  return true;
}

// StoreDir is a temporary directory with a store path inside it.
class StoreDir {
 public:
  std::string path() const { return dir_.File("ac"); }
  const rcas::testing::TempDir& dir() const { return dir_; }

  std::unique_ptr<AcStore> Open(bool create = true) const {
    StoreOptions o;
    o.path = path();
    o.create_if_missing = create;
    o.block_cache_bytes = size_t{8} << 20;
    Result<std::unique_ptr<AcStore>> r = AcStore::Open(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
    return r.ok() ? std::move(r).value() : nullptr;
  }

  // OpenError is the message of an Open that must fail.
  std::string OpenError(const std::string& path, bool create = false) const {
    StoreOptions o;
    o.path = path;
    o.create_if_missing = create;
    Result<std::unique_ptr<AcStore>> r = AcStore::Open(o);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error();
  }

 private:
  rcas::testing::TempDir dir_;
};

}  // namespace rcas::storage::testing
