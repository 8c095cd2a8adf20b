// Known-answer tests: the burst engine reproduces the keyed messages of
// tests/data/vectors/messages.json byte for byte (PROFILE §19) and opens them.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/burst.h"
#include "tests/common/vectors.h"

namespace rcas::crypto {
namespace {

using rcas::testing::Hex;

// A keyed vector: encrypted (ek, iv_base, mac_key) or MAC-only (mac_key).
struct Vector {
  std::string name;
  uint16_t type = 0;
  Bytes nonce;
  Bytes content;
  Bytes message;
  KeyContext keys;
  bool encrypted = false;
};

// Key names carry a note, e.g. "ek (fast MEK)"; match on the part before it.
const nlohmann::json* FindKey(const nlohmann::json& keys, const std::string& prefix) {
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    if (it.key().rfind(prefix, 0) == 0) {
      return &it.value();
    }
  }
  return nullptr;
}

std::vector<Vector> LoadKeyedVectors() {
  auto j = rcas::testing::LoadJson("vectors/messages.json");
  std::vector<Vector> out;
  for (const auto& c : j["cases"]) {
    if (!c.contains("type") || !c["inputs"].contains("keys")) {
      continue;
    }
    const auto& keys = c["inputs"]["keys"];
    const nlohmann::json* mac_key = FindKey(keys, "mac_key");
    if (mac_key == nullptr) {
      continue;  // signed or unkeyed: not the burst's business
    }
    const nlohmann::json* ek = FindKey(keys, "ek");
    const nlohmann::json* ivb = FindKey(keys, "iv_base");
    Vector v;
    v.name = c["description"].get<std::string>();
    v.type = LoadBe16(Hex(c["type"]).data());
    v.nonce = Hex(c["inputs"]["nonce"]);
    v.content = Hex(c["expected"]["content_der"]);
    v.message = Hex(c["expected"]["message"]);
    v.encrypted = ek != nullptr;
    Status st = v.encrypted ? v.keys.Init(Hex(*ek), Hex(*mac_key), Hex(*ivb))
                            : v.keys.Init({}, Hex(*mac_key), {});
    EXPECT_TRUE(st.ok()) << v.name;
    out.push_back(std::move(v));
  }
  return out;
}

// SenderBuffer is H ‖ C with room for padding and tag, as the protocol layer
// will lay it out.
Bytes SenderBuffer(const Vector& v) {
  const size_t sealed = SealedSize(v.content.size(), v.encrypted);
  Bytes buf(kMsgHeaderLen, 0);
  StoreBe16(buf.data(), v.type);
  StoreBe32(buf.data() + 2, static_cast<uint32_t>(sealed - kMsgMacLen));
  std::copy(v.nonce.begin(), v.nonce.end(), buf.begin() + 6);
  buf[14] = 0x01;
  Append(buf, v.content);
  buf.resize(sealed);
  return buf;
}

TEST(BurstVectors, SealReproducesEveryKeyedMessageInOneBurst) {
  auto vectors = LoadKeyedVectors();
  MbManager mb;
  std::vector<Bytes> buffers;
  std::vector<SealJob> jobs;
  buffers.reserve(vectors.size());
  for (size_t i = 0; i < vectors.size(); ++i) {
    const Vector& v = vectors[i];
    buffers.push_back(SenderBuffer(v));
    jobs.push_back(SealJob{&v.keys, buffers.back().data(),
                           static_cast<uint32_t>(buffers.back().size()),
                           static_cast<uint32_t>(v.content.size()), v.encrypted, i});
  }
  ASSERT_EQ(SealBurst(mb, jobs), vectors.size());
  int renew_info = 0;
  int renew_confirm = 0;
  for (size_t i = 0; i < vectors.size(); ++i) {
    const Vector& v = vectors[jobs[i].user];
    SCOPED_TRACE(v.name);
    EXPECT_EQ(ToHex({jobs[i].msg, jobs[i].sealed_len}), ToHex(v.message));
    renew_info += v.type == 0x0007;
    renew_confirm += v.type == 0x0008;
  }
  // The brief's must-haves are really in the set: normal and fast mode.
  EXPECT_EQ(renew_info, 2);
  EXPECT_EQ(renew_confirm, 3);
  EXPECT_GE(vectors.size(), 14u);
}

TEST(BurstVectors, OpenRecoversEveryKeyedMessageContent) {
  auto vectors = LoadKeyedVectors();
  MbManager mb;
  std::vector<Bytes> buffers;
  std::vector<OpenJob> jobs;
  buffers.reserve(vectors.size());
  for (size_t i = 0; i < vectors.size(); ++i) {
    buffers.push_back(vectors[i].message);
    jobs.push_back(OpenJob{&vectors[i].keys, buffers.back().data(),
                           static_cast<uint32_t>(buffers.back().size()), vectors[i].encrypted, i});
  }
  ASSERT_EQ(OpenBurst(mb, jobs), vectors.size());
  for (const OpenJob& job : jobs) {
    const Vector& v = vectors[job.user];
    SCOPED_TRACE(v.name);
    EXPECT_EQ(ToHex({job.msg + kMsgHeaderLen, job.plain_len}), ToHex(v.content));
  }
}

TEST(BurstVectors, RenewInfoUnderTheWrongSessionKeysFailsMac) {
  auto vectors = LoadKeyedVectors();
  const Vector* normal = nullptr;
  const Vector* fast = nullptr;
  for (const Vector& v : vectors) {
    if (v.type == 0x0007) {
      (normal == nullptr ? normal : fast) = &v;
    }
  }
  ASSERT_TRUE(normal != nullptr && fast != nullptr);
  MbManager mb;
  Bytes buf = normal->message;
  OpenJob job{&fast->keys, buf.data(), static_cast<uint32_t>(buf.size()), true};
  EXPECT_EQ(Open(mb, job), BurstVerdict::kBadMac);
  EXPECT_EQ(buf, normal->message);
}

}  // namespace
}  // namespace rcas::crypto
