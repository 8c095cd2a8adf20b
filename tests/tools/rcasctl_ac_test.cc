// End to end: `rcasctl ac ...` on a store provisioned from `rcasctl pki cams`: counts, state
// changes visible in show, no secret in any output (Ki/OPc, and a KPK and sIGN-kpk made by the
// AC service in-process), corrupt input ingesting nothing, and one error line for every kind of
// bad input.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "control/ac_service.h"
#include "crypto/rsa.h"
#include "storage/counters.h"
#include "storage/renewal_record.h"
#include "tests/tools/rcasctl_runner.h"
#include "tools/provisioning.h"

namespace rcas::tools {
namespace {

using nlohmann::json;

constexpr char kCam[] = "0000000000000005";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

class RcasctlAc : public RcasctlTest {
 protected:
  void SetUp() override {
    RcasctlTest::SetUp();
    if (IsSkipped()) {
      return;
    }
    pki_ = dir_.File("pki");
    db_ = " --db " + dir_.File("db");
    ASSERT_EQ(Run("pki init --out " + pki_), 0) << err_;
    ASSERT_EQ(Run("pki cams --count 20 --share-key 20 --pki " + pki_), 0) << err_;
    prov_ = pki_ + "/cams.ac.rcpv";
    ASSERT_EQ(Run("ac init" + db_), 0) << err_;
  }

  // Secrets are the Ki and OPc of every CAM in the provisioning file, in lower-case hex.
  std::vector<std::string> Secrets() {
    std::vector<std::string> out;
    auto reader = ProvisioningReader::Open(prov_);
    EXPECT_TRUE(reader.ok()) << reader.error();
    CamRecord r;
    while (reader.ok() && *reader->Next(r)) {
      for (const KiOpc& pair : r.keys) {
        out.push_back(ToHex(pair.ki.view()));
        out.push_back(ToHex(pair.opc.view()));
      }
    }
    EXPECT_EQ(out.size(), 20u * 6);
    return out;
  }

  void ExpectNoSecret(const std::vector<std::string>& secrets) {
    const std::string all = Lower(out_ + err_);
    for (const std::string& s : secrets) {
      EXPECT_EQ(all.find(s), std::string::npos) << "secret in the output: " << s;
    }
  }

  // Show runs `ac show --json` for kCam and returns the parsed object.
  json Show() {
    EXPECT_EQ(Run("ac show --json" + db_ + " " + kCam), 0) << err_;
    return json::parse(out_, nullptr, false);
  }

  uint64_t Cams() {
    EXPECT_EQ(Run("ac stats --json" + db_), 0) << err_;
    json j = json::parse(out_, nullptr, false);
    return j.is_object() ? j["cams"].get<uint64_t>() : ~uint64_t{0};
  }

  std::string pki_;
  std::string db_;
  std::string prov_;
};

TEST_F(RcasctlAc, ProvisionsInspectsAndChangesCams) {
  ASSERT_EQ(Run("ac cass add" + db_ + " 0000000a"), 0) << err_;
  EXPECT_EQ(out_, "CASS 0000000A added\n");
  ASSERT_EQ(Run("ac ingest" + db_ + " " + prov_), 0) << err_;
  EXPECT_EQ(out_.rfind("ingested 20 CAMs in ", 0), 0u) << out_;

  const std::vector<std::string> secrets = Secrets();
  ASSERT_EQ(Run("ac stats" + db_), 0) << err_;
  EXPECT_NE(out_.find("CAMs                20\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("CASS_IDs            1\n"), std::string::npos) << out_;
  ExpectNoSecret(secrets);
  ASSERT_EQ(Run("ac stats --json" + db_), 0) << err_;
  json stats = json::parse(out_);
  EXPECT_EQ(stats["cams"], 20);
  EXPECT_EQ(stats["by_state"]["virgin"], 20);
  EXPECT_EQ(stats["cass"], 1);

  ASSERT_EQ(Run("ac show" + db_ + " " + kCam), 0) << err_;
  EXPECT_NE(out_.find("state            virgin (never decided)\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("Ki/OPc           3 pairs (not shown)\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("RCAS CAM 0000000000000005"), std::string::npos) << out_;
  ExpectNoSecret(secrets);
  json cam = Show();
  ExpectNoSecret(secrets);
  EXPECT_EQ(cam["cam_id"], kCam);
  EXPECT_EQ(cam["pairing"]["has_kpk"], false);
  EXPECT_EQ(cam["state"]["stored"], false);

  ASSERT_EQ(Run("ac set-state" + db_ + " " + kCam + " service"), 0) << err_;
  EXPECT_EQ(out_, std::string("CAM ") + kCam + ": state set to service\n");
  EXPECT_EQ(Show()["state"]["state"], "service");
  EXPECT_EQ(Show()["state"]["c1_pending"], false);  // set by hand, not a pending C1 commit
  // Re-provisioning never resets a CAM in service.
  ASSERT_EQ(Run("ac ingest" + db_ + " " + prov_), 0) << err_;
  EXPECT_EQ(Show()["state"]["state"], "service");
  EXPECT_EQ(Cams(), 20u);

  ASSERT_EQ(Run("ac set-state" + db_ + " " + kCam + " leave"), 0) << err_;
  EXPECT_EQ(Show()["state"]["state"], "not-service");
  ASSERT_EQ(Run("ac set-state" + db_ + " " + kCam + " join"), 0) << err_;
  EXPECT_EQ(Show()["state"]["state"], "virgin");
  ASSERT_EQ(Run("ac reset-count" + db_ + " " + kCam), 0) << err_;
  EXPECT_EQ(Show()["state"]["auth_count"], 0);

  const std::string dsc(80, 'A');
  ASSERT_EQ(Run("ac repair" + db_ + " " + kCam + " --dsc " + Lower(dsc)), 0) << err_;
  cam = Show();
  EXPECT_EQ(cam["dsc_id"], dsc);
  EXPECT_EQ(cam["key_pairing_id"], std::string(kCam) + dsc);

  ASSERT_EQ(Run("ac bump-deliver" + db_), 0) << err_;
  ASSERT_EQ(Run("ac bump-deliver" + db_), 0) << err_;
  EXPECT_EQ(out_.rfind("deliver campaign 2 ", 0), 0u) << out_;

  ASSERT_EQ(Run("ac export" + db_), 0) << err_;
  ExpectNoSecret(secrets);
  std::istringstream lines(out_);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    json j = json::parse(line);
    EXPECT_EQ(j.size(), 5u) << line;  // cam_id, dsc_id, state, has_kpk, reports
    EXPECT_FALSE(j.contains("ki") || j.contains("kpk") || j.contains("sign_kpk"));
    ++n;
  }
  EXPECT_EQ(n, 20);
  ASSERT_EQ(Run("ac export" + db_ + " --out " + dir_.File("export.jsonl")), 0) << err_;
  EXPECT_EQ(std::count(out_.begin(), out_.end(), '\n'), 0);
  const std::string exported = dir_.Read("export.jsonl");
  EXPECT_EQ(std::count(exported.begin(), exported.end(), '\n'), 20);

  ASSERT_EQ(Run("ac reports" + db_ + " " + kCam), 0) << err_;
  EXPECT_EQ(out_, std::string("CAM ") + kCam + ": 0 reports\n");

  ASSERT_EQ(Run("ac cass remove" + db_ + " 0000000A"), 0) << err_;
  ASSERT_EQ(Run("ac cass remove" + db_ + " 0000000A"), 0) << err_;
  EXPECT_EQ(out_, "CASS 0000000A was not known\n");
}

// A KeyRequest through the AC service makes the pairing's KPK and sIGN-kpk, a purchase report
// is stored; the commands show that they exist and never their values.
TEST_F(RcasctlAc, ShowsPairingAndReportsButNeverTheKpk) {
  ASSERT_EQ(Run("ac cass add" + db_ + " 0000000a"), 0) << err_;
  ASSERT_EQ(Run("ac ingest" + db_ + " " + prov_), 0) << err_;
  CamRecord record;
  {
    auto reader = ProvisioningReader::Open(prov_);
    ASSERT_TRUE(reader.ok());
    for (int i = 0; i < 5; ++i) {  // kCam is the fifth CAM
      ASSERT_TRUE(*reader->Next(record));
    }
    ASSERT_EQ(ToHex(record.cam_id), kCam);
  }
  std::vector<std::string> secrets = Secrets();
  {
    storage::StoreOptions o;
    o.path = dir_.File("db");
    auto store = storage::AcStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.error();
    auto root = crypto::RsaPrivateKey::FromPem(dir_.Read("pki/ac-root.key.pem"));
    ASSERT_TRUE(root.ok()) << root.error();
    control::AcService ac(**store, std::make_shared<const crypto::RsaPrivateKey>(std::move(*root)),
                          control::AcOptions{});
    control::AcRequest req;
    req.kind = control::AcRequestKind::kNormalKeyRequest;
    req.cam_id = record.cam_id;
    req.dsc_id = record.dsc_id;
    req.cass_id = {0, 0, 0, 0x0a};
    req.certificate_der = record.certificate_der;
    control::AcResult keyed = ac.Call(req);
    ASSERT_TRUE(keyed.ok) << keyed.error << " " << control::RefusalName(keyed.refusal);
    secrets.push_back(ToHex(keyed.kpk.view()));
    secrets.push_back(ToHex(keyed.sign_kpk).substr(0, 64));
    req.kind = control::AcRequestKind::kPurchaseReport;
    req.report = {0xca, 0xfe, 0x01};
    ASSERT_TRUE(ac.Call(req).ok);
    req.kind = control::AcRequestKind::kRenewalReport;  // how a RenewInfo ended, for the operator
    req.report = storage::EncodeRenewalRecord({storage::RenewalResult::kDownloadFailed,
                                               storage::DeliverVersion(3, 5), 1'760'000'000'000});
    ASSERT_TRUE(ac.Call(req).ok);
  }
  ASSERT_EQ(Run("ac show" + db_ + " " + kCam), 0) << err_;
  EXPECT_NE(out_.find("KPK present (not shown), sIGN-kpk present (256 octets, not shown)"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find("reports          2\n"), std::string::npos) << out_;
  ExpectNoSecret(secrets);
  json cam = Show();
  EXPECT_EQ(cam["pairing"]["has_kpk"], true);
  EXPECT_EQ(cam["pairing"]["sign_kpk_octets"], 256);
  ExpectNoSecret(secrets);
  ASSERT_EQ(Run("ac export" + db_), 0) << err_;
  EXPECT_NE(out_.find(R"("has_kpk":true)"), std::string::npos) << out_;
  ExpectNoSecret(secrets);
  ASSERT_EQ(Run("ac stats --json" + db_), 0) << err_;
  EXPECT_EQ(json::parse(out_)["pairings_with_kpk"], 1);
  EXPECT_EQ(json::parse(out_)["reports"], 2);
  ASSERT_EQ(Run("ac reports" + db_ + " " + kCam), 0) << err_;
  EXPECT_EQ(out_.rfind("purchase ", 0), 0u) << out_;
  EXPECT_NE(out_.find("CASS 0000000A  3 octets  cafe01\n"), std::string::npos) << out_;
  EXPECT_NE(out_.find("\nrenewal "), std::string::npos) << out_;
  EXPECT_NE(out_.find("CASS 0000000A  download-failed  deliverVersion image 3 campaign 5  at CASS "
                      "2025-10-09 08:53:20.000 UTC\n"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find(": 2 reports\n"), std::string::npos) << out_;
}

TEST_F(RcasctlAc, CorruptOrTruncatedFileIngestsNothing) {
  const std::string good = dir_.Read("pki/cams.ac.rcpv");
  std::string flipped = good;
  flipped[good.size() / 2] = static_cast<char>(flipped[good.size() / 2] ^ 1);
  dir_.Write("flipped.rcpv", flipped);
  dir_.Write("cut.rcpv", std::string_view(good).substr(0, good.size() - 1));
  for (const char* name : {"flipped.rcpv", "cut.rcpv"}) {
    ExpectOneLineError("ac ingest" + db_ + " " + dir_.File(name));
    EXPECT_NE(err_.find("nothing ingested"), std::string::npos) << err_;
    EXPECT_EQ(Cams(), 0u);
  }
  // The devices' file carries the same identities.
  ASSERT_EQ(Run("ac ingest" + db_ + " " + pki_ + "/cams.cam.rcpv --records-per-file 3"), 0) << err_;
  EXPECT_EQ(Cams(), 20u);
}

TEST_F(RcasctlAc, BadInputIsOneErrorLine) {
  const std::string missing = " --db " + dir_.File("nowhere");
  ExpectOneLineError("ac stats" + missing);
  EXPECT_NE(err_.find("ac init"), std::string::npos) << err_;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("nowhere")));  // opening never creates
  ExpectOneLineError("ac show" + missing + " " + kCam);
  ExpectOneLineError("ac ingest" + missing + " " + prov_);

  std::filesystem::create_directory(dir_.File("empty"));
  ExpectOneLineError("ac stats --db " + dir_.File("empty"));  // a folder that is no store
  ExpectOneLineError("ac init" + db_);                        // not an empty folder
  ExpectOneLineError("ac init --db " + prov_);                // a file

  ExpectOneLineError("ac show" + db_ + " 00000000000005");    // 7 octets
  ExpectOneLineError("ac show" + db_ + " 000000000000000g");  // not hex
  ExpectOneLineError("ac show" + db_ + " 00000000000000ff");  // not provisioned
  EXPECT_EQ(Run("ac show" + db_ + " 00000000000000ff"), 1);
  ExpectOneLineError("ac set-state" + db_ + " " + kCam + " broken");
  ExpectOneLineError("ac set-state" + db_ + " 00000000000000ff service");
  ExpectOneLineError("ac reset-count" + db_ + " 00000000000000ff");
  ExpectOneLineError("ac repair" + db_ + " " + kCam + " --dsc 00");
  ExpectOneLineError("ac cass add" + db_ + " 0a");
  ExpectOneLineError("ac reports" + db_ + " 00000000000000ff");
}

}  // namespace
}  // namespace rcas::tools
