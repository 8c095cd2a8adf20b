// `rcasctl demo` end to end (the built binary, found through $RCAS_BUILD_DIR): it makes a PKI,
// runs every message type of both modes with real keys, each verified by its receiver, checks
// the burst engine against the one-shot path, and says so; --out keeps the PKI.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "tests/common/temp_dir.h"

namespace rcas::tools {
namespace {

using rcas::testing::TempDir;

TEST(Demo, RunsEveryMessageTypeOfBothModesAndVerifiesAll) {
  const char* build = std::getenv("RCAS_BUILD_DIR");
  if (build == nullptr) {
    GTEST_SKIP() << "RCAS_BUILD_DIR not set (ctest sets it)";
  }
  TempDir dir;
  const std::string pki = dir.File("pki");
  const std::string cmd = std::string(build) + "/tools/rcasctl demo --out " + pki + " >" +
                          dir.File("out") + " 2>" + dir.File("err");
  const int status = std::system(cmd.c_str());
  const std::string out = dir.Read("out");
  ASSERT_TRUE(WIFEXITED(status)) << out;
  ASSERT_EQ(WEXITSTATUS(status), 0) << out << dir.Read("err");
  EXPECT_EQ(dir.Read("err"), "");

  // Every type of J.1003 Table 2 crossed the wire and was accepted by its receiver.
  for (const std::string name :
       {"RCASAnnounce", "RCASRenewal", "KeyRequest", "KeyResponse", "CAMReg", "CAMRegConfirm",
        "RenewInfo", "RenewConfirm", "PurchaseReport", "Status", "LogRequest", "LogResponse",
        "KeyRegRequest", "KeyRegResponse"}) {
    // A virgin CAM verifies RCASAnnounce only once it has CHK (checked below).
    const std::string verdict = name == "RCASAnnounce" ? "kept for later" : " ok";
    EXPECT_TRUE(
        std::regex_search(out, std::regex("-> (CAM |CASS) " + name + " +[0-9]+ B  .*" + verdict)))
        << name;
  }
  for (const char* fact :
       {"RSA sig ok, cert ok, OAEP ok, sIGN-kpk ok", "hashed-MEK-ICCIEK matches",
        "AES-CBC(MEK) + HMAC-SHA1(IHK) ok", "AES-CBC(MEK) + HMAC-SHA1(MAK) ok",
        "SHA-1 = hashed-CCCI ok", "SHA-1 = hashed-ICCI ok", "statusInfo 04", "statusInfo 05",
        "SHA-1 digest (unkeyed) ok", "HMAC-SHA1(CHK from KeyResponse) ok",
        "HMAC-SHA1(CHK from KeyRegResponse) ok", "equal on both sides", "burst == one-shot"}) {
    EXPECT_NE(out.find(fact), std::string::npos) << fact;
  }
  EXPECT_EQ(out.find("FAILED"), std::string::npos) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("\ndemo: ([0-9]+) messages, all verified\n$")))
      << out;
  EXPECT_GE(std::stoi(m[1]), 20);
  // --out keeps what the pki commands made.
  for (const char* file : {"ac-root.cert.pem", "cass-0000000A.cert.pem", "demo.cam.rcpv"}) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(pki) / file)) << file;
  }
}

TEST(Demo, RefusesAnOutFolderThatAlreadyHoldsAPki) {
  const char* build = std::getenv("RCAS_BUILD_DIR");
  if (build == nullptr) {
    GTEST_SKIP() << "RCAS_BUILD_DIR not set (ctest sets it)";
  }
  TempDir dir;
  dir.Write("ac-root.key.pem", "a root key someone keeps");
  const std::string cmd = std::string(build) + "/tools/rcasctl demo --out " + dir.path().string() +
                          " >/dev/null 2>" + dir.File("err");
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  EXPECT_NE(dir.Read("err").find("exists"), std::string::npos) << dir.Read("err");
  EXPECT_EQ(dir.Read("ac-root.key.pem"), "a root key someone keeps");
}

}  // namespace
}  // namespace rcas::tools
