#include "protocol/key_schedule.h"

#include <gtest/gtest.h>

#include "protocol/iv.h"
#include "protocol/key_schedule_fast.h"
#include "protocol/key_schedule_j1002.h"
#include "tests/common/vectors.h"
#include "tests/protocol/keys_test_util.h"

namespace rcas::protocol {
namespace {

using rcas::testing::Hex;
using testing::FixedOf;
using testing::SecretOf;

nlohmann::json CasesOf(const std::string& section) {
  nlohmann::json out = nlohmann::json::array();
  const nlohmann::json file = rcas::testing::LoadJson("vectors/kdf.json");  // outlives the loop
  for (const auto& c : file["cases"]) {
    if (c["section"] == section) {
      out.push_back(c);
    }
  }
  if (out.empty()) {
    throw std::runtime_error("no kdf.json case " + section);
  }
  return out;
}

// The per-session identifiers both MK (§11.4) and the fast-mode AK seed
// (§12.1) hash, read from a kdf.json case's inputs.
struct SessionInputs {
  explicit SessionInputs(const nlohmann::json& in)
      : cam_id(Hex(in["CAM_ID"])),
        session_id(Hex(in["sessionID"])),
        nonce_cam(Hex(in["NONCE_CAM"])),
        hw(Hex(in["HW_Version"])),
        sw(Hex(in["SW_Version"])) {}

  Secret20 Mk(const std::array<Kc, 3>& kc) const {
    return DeriveMk(FixedOf<8>(cam_id), FixedOf<10>(session_id), kc, FixedOf<16>(nonce_cam),
                    FixedOf<4>(hw), FixedOf<4>(sw));
  }
  Secret20 AkSeed() const {
    return DeriveAkSeed(FixedOf<8>(cam_id), FixedOf<10>(session_id), FixedOf<16>(nonce_cam),
                        FixedOf<4>(hw), FixedOf<4>(sw));
  }

  Bytes cam_id, session_id, nonce_cam, hw, sw;
};

TEST(KeySchedule, KcFromKiOpcRandAc) {
  for (const auto& c : CasesOf("§11.3")) {
    const Bytes rand = Hex(c["inputs"]["RAND_AC"]);
    const Kc kc = DeriveKc(SecretOf<16>(c["inputs"]["Ki"]), SecretOf<16>(c["inputs"]["OPc"]),
                           FixedOf<16>(rand));
    EXPECT_EQ(ToHex(kc.view()), c["expected"]["Kc"]);
  }
}

TEST(KeySchedule, NormalModeMkMekIccIekAndHash) {
  const auto c = CasesOf("§11.4")[0];
  const auto& in = c["inputs"];
  const std::array<Kc, 3> kc = {SecretOf<8>(in["Kc_1"]), SecretOf<8>(in["Kc_2"]),
                                SecretOf<8>(in["Kc_3"])};
  const Secret20 mk = SessionInputs(in).Mk(kc);
  const auto& e = c["expected"];
  EXPECT_EQ(ToHex(mk.view()), e["MK"]);

  const MekIccIek keys = DeriveMekIccIek(mk);
  EXPECT_EQ(ToHex(keys.mek.view()), e["MEK"]);
  EXPECT_EQ(ToHex(keys.icciek.view()), e["ICCIEK"]);
  EXPECT_EQ(e["PRF(MK,40)"].get<std::string>().substr(0, 64),
            ToHex(keys.mek.view()) + ToHex(keys.icciek.view()));
  EXPECT_EQ(ToHex(HashMekIccIek(keys)), e["hashed-MEK-ICCIEK"]);
}

// The chain from the three (Ki, OPc, RAND_AC) to MEK, as the CAM runs it.
TEST(KeySchedule, KcChainFeedsMk) {
  const auto kc_cases = CasesOf("§11.3");
  std::array<Kc, 3> kc;
  for (size_t j = 0; j < 3; ++j) {
    const Bytes rand = Hex(kc_cases[j]["inputs"]["RAND_AC"]);
    kc[j] = DeriveKc(SecretOf<16>(kc_cases[j]["inputs"]["Ki"]),
                     SecretOf<16>(kc_cases[j]["inputs"]["OPc"]), FixedOf<16>(rand));
  }
  const auto c = CasesOf("§11.4")[0];
  const Secret20 mk = SessionInputs(c["inputs"]).Mk(kc);
  EXPECT_EQ(ToHex(mk.view()), c["expected"]["MK"]);
}

TEST(KeySchedule, ChkOverCassInfoDer) {
  const auto c = CasesOf("§11.5")[0];
  ASSERT_TRUE(c["inputs"].contains("RAND_CHK"));
  const Bytes rand = Hex(c["inputs"]["RAND_CHK"]);
  const Bytes der = Hex(c["inputs"]["CASSInfo_DER"]);
  EXPECT_EQ(ToHex(DeriveChk(FixedOf<40>(rand), der).view()), c["expected"]["CHK"]);
}

TEST(KeySchedule, IhkOverRandAddrAndPairingId) {
  const auto c = CasesOf("§11.5")[1];
  ASSERT_TRUE(c["inputs"].contains("RAND_IHK"));
  const Bytes rand = Hex(c["inputs"]["RAND_IHK"]);
  const Bytes addr = Hex(c["inputs"]["cASSIPAddr"]);
  const Bytes kpid = Hex(c["inputs"]["KeyPairingID"]);
  EXPECT_EQ(ToHex(DeriveIhk(FixedOf<40>(rand), FixedOf<50>(addr), FixedOf<48>(kpid)).view()),
            c["expected"]["IHK"]);
}

// messages.json gives the exact bytes the AC signs for sIGN-kpk.
TEST(KeySchedule, SignKpkInputIsPairingIdThenKpk) {
  const auto msgs = rcas::testing::LoadJson("vectors/messages.json");
  const auto j1002 = CasesOf("§11.9")[0];
  for (const auto& c : msgs["cases"]) {
    if (!c["expected"].contains("sign_kpk_input")) {
      continue;
    }
    const Bytes cam = Hex(j1002["inputs"]["CAM_ID"]);
    const Bytes dsc = Hex(j1002["inputs"]["DSC_ID"]);
    Bytes kpid = cam;
    Append(kpid, dsc);
    const auto input = SignKpkInput(FixedOf<48>(kpid), SecretOf<20>(j1002["inputs"]["KPK"]));
    EXPECT_EQ(ToHex(input.view()), c["expected"]["sign_kpk_input"]);
    return;
  }
  FAIL() << "no sign_kpk_input in messages.json";
}

TEST(KeySchedule, FastModeAkAndEveryPadKey) {
  const auto c = CasesOf("§12")[0];
  const auto& e = c["expected"];
  const Secret20 seed = SessionInputs(c["inputs"]).AkSeed();
  EXPECT_EQ(ToHex(seed.view()), e["AK_seed"]);
  const crypto::AesKey ak = DeriveAk(seed);
  EXPECT_EQ(ToHex(ak.view()), e["AK"]);

  const FastModeKeys k = DeriveFastModeKeys(ak);
  EXPECT_EQ(ToHex(k.icciek.view()), e["ICCIEK"]);
  EXPECT_EQ(ToHex(k.ccciek.view()), e["CCCIEK"]);
  EXPECT_EQ(ToHex(k.mek.view()), e["MEK"]);
  EXPECT_EQ(ToHex(k.mak.view()), e["MAK"]);
  EXPECT_EQ(ToHex(k.kpk.view()), e["KPK"]);
  EXPECT_EQ(ToHex(k.icciek_iv.view()), e["ICCIEK-IV"]);
  EXPECT_EQ(ToHex(k.ccciek_iv.view()), e["CCCIEK-IV"]);
  EXPECT_EQ(ToHex(k.mek_iv.view()), e["MEK-IV"]);
  EXPECT_EQ(ToHex(k.mak_iv.view()), e["MAK-IV"]);
}

// The pad constants are the ones the vector file names ("a6 x 63", ...).
TEST(KeySchedule, FastModePadsMatchVectorFile) {
  const nlohmann::json c = CasesOf("§12")[0];
  const auto& pads = c["inputs"]["pads"];
  const std::pair<const char*, uint8_t> expected[] = {{"ICCIEK", kIccIekPad},
                                                      {"CCCIEK", kCccIekPad},
                                                      {"MEK", kMekPad},
                                                      {"MAK", kMakPad},
                                                      {"KPK", kKpkPad},
                                                      {"ICCIEK-IV", kIccIekIvPad},
                                                      {"CCCIEK-IV", kCccIekIvPad},
                                                      {"MEK-IV", kMekIvPad},
                                                      {"MAK-IV", kMakIvPad}};
  for (const auto& [name, pad] : expected) {
    const std::string want = ToHex(ByteView(&pad, 1)) + " x 63";
    EXPECT_EQ(pads[name], want) << name;
  }
}

TEST(KeySchedule, J1002InformativeKeys) {
  const auto c = CasesOf("§11.9")[0];
  const auto& in = c["inputs"];
  const Bytes cam_id = Hex(in["CAM_ID"]);
  const Bytes dsc_id = Hex(in["DSC_ID"]);
  const Secret20 kpk = SecretOf<20>(in["KPK"]);
  EXPECT_EQ(ToHex(DeriveCwek(kpk, FixedOf<8>(cam_id), FixedOf<40>(dsc_id)).view()),
            c["expected"]["CWEK"]);
  const auto rand_hmac = DeriveRandHmac(kpk);
  EXPECT_EQ(ToHex(rand_hmac.view()), c["expected"]["RAND_HMAC"]);
  EXPECT_EQ(ToHex(DeriveHmacKey(rand_hmac, FixedOf<8>(cam_id), FixedOf<40>(dsc_id)).view()),
            c["expected"]["HMAC_KEY"]);
}

TEST(KeySchedule, PerMessageIvForEveryEncryptedType) {
  size_t checked = 0;
  for (const auto& c : CasesOf("§9.3")) {
    const auto& in = c["inputs"];
    const auto type = static_cast<MessageType>(LoadBe16(Hex(in["type"]).data()));
    const uint64_t nonce = LoadBe64(Hex(in["nonce"]).data());
    const MessageIv iv =
        DeriveMessageIv(SecretOf<16>(in["EK"]), SecretOf<16>(in["IVB"]), type, nonce);
    EXPECT_EQ(ToHex(iv.view()), c["expected"]["IV"]) << c["description"];
    ++checked;
  }
  EXPECT_EQ(checked, 6u);
}

}  // namespace
}  // namespace rcas::protocol
