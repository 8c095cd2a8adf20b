// The EAL, once per test process: no hugepages, no PCI, a file prefix of its own (several test
// processes run at once), two lcores so one test can launch a real worker lcore.

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "dataplane/dpdk_transport.h"

namespace {

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const std::string prefix = "rcas-test-" + std::to_string(getpid());
    const rcas::Status s = rcas::dataplane::InitEal({"--no-huge", "--no-pci", "-m", "256", "-l",
                                                     "0-1", "--file-prefix", prefix, "--log-level",
                                                     "lib.eal:error", "--no-shconf"});
    ASSERT_TRUE(s.ok()) << s.error();
  }
  void TearDown() override { rcas::dataplane::CleanupEal(); }
};

const auto* const kEal = ::testing::AddGlobalTestEnvironment(new EalEnvironment);

}  // namespace
