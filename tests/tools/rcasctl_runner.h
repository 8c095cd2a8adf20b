#pragma once
// RcasctlTest: runs the built rcasctl ($RCAS_BUILD_DIR/tools/rcasctl; ctest sets the variable)
// with its output captured in a temporary folder. Shared by the tools tests.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "tests/common/temp_dir.h"

namespace rcas::tools {

class RcasctlTest : public ::testing::Test {
 protected:
  // `subcommand` ("" or e.g. "decode") goes before the arguments of every Run.
  explicit RcasctlTest(std::string subcommand = "") : subcommand_(std::move(subcommand)) {}

  void SetUp() override {
    const char* build = std::getenv("RCAS_BUILD_DIR");
    if (build == nullptr) {
      GTEST_SKIP() << "RCAS_BUILD_DIR not set (ctest sets it)";
    }
    binary_ = std::string(build) + "/tools/rcasctl";
    ASSERT_EQ(::access(binary_.c_str(), X_OK), 0) << binary_;
  }

  // Run runs rcasctl with `args`; stdout in out_, stderr in err_; returns the exit status.
  int Run(const std::string& args) {
    const std::string cmd = binary_ + " " + subcommand_ + " " + args + " >" + dir_.File("out") +
                            " 2>" + dir_.File("err");
    const int status = std::system(cmd.c_str());
    out_ = dir_.Read("out");
    err_ = dir_.Read("err");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // ExpectOneLineError checks a failed run printed exactly one "rcasctl: error:" line.
  void ExpectOneLineError(const std::string& args) {
    SCOPED_TRACE(args);
    EXPECT_NE(Run(args), 0);
    EXPECT_EQ(err_.rfind("rcasctl: error: ", 0), 0u) << err_;
    EXPECT_EQ(std::count(err_.begin(), err_.end(), '\n'), 1) << err_;
  }

  rcas::testing::TempDir dir_;
  std::string binary_;
  std::string out_;
  std::string err_;

 private:
  std::string subcommand_;
};

}  // namespace rcas::tools
