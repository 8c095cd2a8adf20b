#include "protocol/milenage.h"

#include <gtest/gtest.h>

#include "tests/common/vectors.h"
#include "tests/protocol/keys_test_util.h"

namespace rcas::protocol {
namespace {

using rcas::testing::Hex;
using rcas::testing::LoadJson;
using testing::FixedOf;

nlohmann::json KdfCase(const std::string& section, size_t index = 0) {
  size_t seen = 0;
  const nlohmann::json file = LoadJson("vectors/kdf.json");  // outlives the loop
  for (const auto& c : file["cases"]) {
    if (c["section"] == section && seen++ == index) {
      return c;
    }
  }
  throw std::runtime_error("no kdf.json case " + section);
}

TEST(Milenage, Ts35208Set1FromKdfVectors) {
  const auto c = KdfCase("§8", 0);
  const Bytes k = Hex(c["inputs"]["K"]);
  const Bytes op = Hex(c["inputs"]["OP"]);
  const Bytes rand = Hex(c["inputs"]["RAND"]);
  const auto& e = c["expected"];

  const auto opc = MilenageOpc(FixedOf<16>(k), FixedOf<16>(op));
  EXPECT_EQ(ToHex(opc.view()), e["OPc"]);

  const MilenageVectors v =
      MilenageF2345(FixedOf<16>(k), FixedView<16>(opc.data(), 16), FixedOf<16>(rand));
  EXPECT_EQ(ToHex(v.res.view()), e["RES"]);
  EXPECT_EQ(ToHex(v.ck.view()), e["CK"]);
  EXPECT_EQ(ToHex(v.ik.view()), e["IK"]);
  EXPECT_EQ(ToHex(v.ak.view()), e["AK"]);

  const GsmAuth gsm = GsmMilenage(FixedOf<16>(k), FixedView<16>(opc.data(), 16), FixedOf<16>(rand));
  EXPECT_EQ(ToHex(gsm.kc.view()), e["Kc"]);
  EXPECT_EQ(ToHex(gsm.sres), e["SRES"]);
}

// f1, f1* and f5* are not in kdf.json (RCAS uses only Kc); these are the
// published 3GPP TS 35.208 test set 1 values (SQN ff9bb4d0b607, AMF b9b9).
TEST(Milenage, F1AndF5StarMatchTs35208Set1) {
  const Bytes k = Hex(std::string("465b5ce8b199b49faa5f0a2ee238a6bc"));
  const Bytes opc = Hex(std::string("cd63cb71954a9f4e48a5994e37a02baf"));
  const Bytes rand = Hex(std::string("23553cbe9637a89d218ae64dae47bf35"));
  const Bytes sqn = Hex(std::string("ff9bb4d0b607"));
  const Bytes amf = Hex(std::string("b9b9"));
  const MilenageMacs macs = MilenageF1(FixedOf<16>(k), FixedOf<16>(opc), FixedOf<16>(rand),
                                       FixedOf<6>(sqn), FixedOf<2>(amf));
  EXPECT_EQ(ToHex(macs.mac_a), "4a9ffac354dfafb3");
  EXPECT_EQ(ToHex(macs.mac_s), "01cfaf9ec4e871e9");
  const MilenageVectors v = MilenageF2345(FixedOf<16>(k), FixedOf<16>(opc), FixedOf<16>(rand));
  EXPECT_EQ(ToHex(v.ak_star.view()), "451e8beca43b");
}

TEST(Milenage, GsmKcForEveryRandAc) {
  size_t checked = 0;
  const nlohmann::json file = LoadJson("vectors/kdf.json");  // outlives the loop
  for (const auto& c : file["cases"]) {
    if (c["section"] != "§11.3") {
      continue;
    }
    const Bytes ki = Hex(c["inputs"]["Ki"]);
    const Bytes opc = Hex(c["inputs"]["OPc"]);
    const Bytes rand = Hex(c["inputs"]["RAND_AC"]);
    const GsmAuth gsm = GsmMilenage(FixedOf<16>(ki), FixedOf<16>(opc), FixedOf<16>(rand));
    EXPECT_EQ(ToHex(gsm.kc.view()), c["expected"]["Kc"]) << c["description"];
    EXPECT_EQ(ToHex(gsm.sres), c["expected"]["SRES"]) << c["description"];
    ++checked;
  }
  EXPECT_EQ(checked, 3u);
}

}  // namespace
}  // namespace rcas::protocol
