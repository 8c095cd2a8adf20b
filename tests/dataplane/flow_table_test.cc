// FlowTable: install/replace/remove semantics, wiping, a full table, and backward-shift
// deletion checked against std::map under churn.

#include "dataplane/flow_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <utility>

#include "protocol/session_keys.h"

namespace rcas::dataplane {
namespace {

FlowKey V4(uint32_t addr, uint16_t port) {
  FlowKey k;
  StoreBe32(k.addr.data(), addr);
  k.port = port;
  return k;
}

protocol::FlowKeys MacOnlyKeys(uint8_t fill) {
  protocol::Secret20 ihk;
  for (size_t i = 0; i < ihk.size(); ++i) {
    ihk[i] = static_cast<uint8_t>(fill + i);
  }
  protocol::FlowKeys keys;
  EXPECT_TRUE(protocol::MakeFlowKeys(protocol::SessionKeys::Normal(ihk), &keys).ok());
  return keys;
}

TEST(FlowTable, InstallFindReplace) {
  FlowTable t(8, 1);
  const protocol::FlowKeys keys = MacOnlyKeys(1);
  const FlowKey a = V4(0x0a000001, 4000);
  EXPECT_EQ(t.Find(a, t.Hash(a)), nullptr);
  ASSERT_TRUE(t.Install(a, 7, keys));
  const FlowEntry* e = t.Find(a, t.Hash(a));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->session, 7u);
  EXPECT_TRUE(e->keys.mac_only.has_mac_key());
  EXPECT_EQ(t.size(), 1u);
  // Same address, other port or family: other flows.
  FlowKey v6 = a;
  v6.v6 = true;
  EXPECT_EQ(t.Find(V4(0x0a000001, 4001), t.Hash(V4(0x0a000001, 4001))), nullptr);
  EXPECT_EQ(t.Find(v6, t.Hash(v6)), nullptr);
  EXPECT_NE(t.Hash(a), t.Hash(v6));
  // Installing again replaces in place.
  ASSERT_TRUE(t.Install(a, 9, keys));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.Find(a, t.Hash(a)), e);
  EXPECT_EQ(e->session, 9u);
}

TEST(FlowTable, RemoveOnlyForTheOwningSessionAndWipes) {
  FlowTable t(8, 2);
  const FlowKey a = V4(0xc0a80001, 5000);
  ASSERT_TRUE(t.Install(a, 1, MacOnlyKeys(1)));
  ASSERT_TRUE(t.Install(a, 2, MacOnlyKeys(2)));  // a new session from the same source
  t.Remove(a, 1);                                // the old session ends late
  const FlowEntry* e = t.Find(a, t.Hash(a));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->session, 2u);
  t.Remove(a, 2);
  EXPECT_EQ(t.Find(a, t.Hash(a)), nullptr);
  EXPECT_EQ(t.size(), 0u);
  // The pool entry stays allocated: its keys are gone.
  EXPECT_FALSE(e->keys.mac_only.has_mac_key());
  EXPECT_EQ(e->session, 0u);
  t.Remove(a, 2);  // absent: no effect
  EXPECT_EQ(t.size(), 0u);
}

TEST(FlowTable, FullTableRefusesUntilARemove) {
  FlowTable t(3, 3);  // rounded up to 4
  ASSERT_EQ(t.capacity(), 4u);
  const protocol::FlowKeys keys = MacOnlyKeys(3);
  for (uint16_t p = 0; p < 4; ++p) {
    ASSERT_TRUE(t.Install(V4(1, p), p, keys));
  }
  EXPECT_FALSE(t.Install(V4(1, 4), 4, keys));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_TRUE(t.Install(V4(1, 2), 20, keys));  // replacing needs no room
  t.Remove(V4(1, 0), 0);
  EXPECT_TRUE(t.Install(V4(1, 4), 4, keys));
  for (uint16_t p = 1; p < 5; ++p) {
    const FlowEntry* e = t.Find(V4(1, p), t.Hash(V4(1, p)));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->session, p == 2 ? 20u : p);
  }
}

// Random installs and removals over a small key space (long probe runs, wrap-around at the end
// of the slot array): after every step the table agrees with a std::map.
TEST(FlowTable, ChurnAgreesWithAMap) {
  for (uint64_t seed : {11u, 12u, 13u}) {
    FlowTable t(64, seed);
    const protocol::FlowKeys keys = MacOnlyKeys(4);
    std::map<uint16_t, uint64_t> model;
    std::mt19937_64 rng(seed);
    for (uint64_t step = 1; step <= 4000; ++step) {
      const auto port = static_cast<uint16_t>(rng() % 96);
      if (rng() % 2 == 0) {
        const bool room = model.size() < 64 || model.count(port) != 0;
        ASSERT_EQ(t.Install(V4(9, port), step, keys), room);
        if (room) {
          model[port] = step;
        }
      } else if (auto it = model.find(port); it != model.end()) {
        t.Remove(V4(9, port), it->second);
        model.erase(it);
      }
      ASSERT_EQ(t.size(), model.size());
      for (uint16_t p = 0; p < 96; ++p) {
        const FlowEntry* e = t.Find(V4(9, p), t.Hash(V4(9, p)));
        const auto it = model.find(p);
        ASSERT_EQ(e != nullptr, it != model.end()) << "seed " << seed << " step " << step;
        if (e != nullptr) {
          ASSERT_EQ(e->session, it->second);
        }
      }
    }
  }
}

}  // namespace
}  // namespace rcas::dataplane
