// rcas-cassd keeps each common image object's CCCIEK pair across restarts (state_dir/ccciek,
// §11.8: drawn once per object): a CAM keyed before a crash decrypts the object it fetches after
// the restart; a changed image file is a new object with a new pair and the old pair is dropped;
// the file is private and a damaged one stops the start with a clear error.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "crypto/hash.h"
#include "tests/tools/cassd_testing.h"
#include "tools/cam_checks.h"
#include "tools/image_client.h"

namespace rcas::tools {
namespace {

class CommonKeysTest : public CassdTest {
 protected:
  std::string Config(uint8_t fill) {
    image_ = Bytes(3000, fill);
    const std::string file = dir_.Write("common.bin", std::string(image_.begin(), image_.end()));
    return WriteConfig("[images]\nhttp = [\"127.0.0.1:0\"]\n[[images.image]]\nfile = \"" + file +
                       "\"\nfn = \"cacs/common.bin\"\nversion = 3\n");
  }
  // Registered returns a CAM keyed by the running daemon (its CAMRegConfirm holds the pair).
  control::testing::TestCam Registered(size_t i) {
    auto cam = Cam(i);
    CamSocket sock(false, port_);
    EstablishNormal(cam, sock);
    return cam;
  }
  ImageVerdict Fetch(const control::testing::TestCam& cam) {
    auto object = HttpDownload("127.0.0.1", ImageServerPort(false), "cacs/common.bin");
    EXPECT_TRUE(object.ok()) << object.error();
    if (!object.ok()) {
      return ImageVerdict::kBadPadding;
    }
    const crypto::Sha1Digest sha1 = crypto::Sha1(image_);
    return CheckImage(*object, cam.ccciek().view(), cam.ccciek_iv().view(), sha1);
  }
  size_t KeyLines() {
    std::ifstream in(dir_.File("state") + "/ccciek");
    size_t n = 0;
    for (std::string line; std::getline(in, line);) {
      n += line.empty() ? 0 : 1;
    }
    return n;
  }
  // StartFails runs the daemon on `config` (bounded) and returns its stderr if it exited 1.
  std::string StartFails(const std::string& config) {
    const std::string err = dir_.File("start.err");
    const int status = std::system(
        ("timeout 20 " + shared_->binary + " --config " + config + " >/dev/null 2>" + err).c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
    return dir_.Read("start.err");
  }
  Bytes image_;
};

TEST_F(CommonKeysTest, ACamKeyedBeforeACrashDecryptsTheObjectAfterTheRestart) {
  const std::string config = Config(0xC0);
  Start(config);
  auto cam = Registered(0);
  ASSERT_EQ(Fetch(cam), ImageVerdict::kOk);
  Kill();
  Start(config);
  EXPECT_EQ(Fetch(cam), ImageVerdict::kOk) << "the restart drew another CCCIEK pair";
  EXPECT_EQ(KeyLines(), 1u);
  struct stat st {};
  ASSERT_EQ(stat((dir_.File("state") + "/ccciek").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(CommonKeysTest, AChangedImageIsANewObjectWithANewPairAndTheOldPairIsDropped) {
  Start(Config(0xC0));
  auto before = Registered(0);
  Kill();
  Start(Config(0xC1));
  auto after = Registered(1);
  EXPECT_EQ(Fetch(after), ImageVerdict::kOk);
  EXPECT_NE(Fetch(before), ImageVerdict::kOk) << "a new object under the old pair";
  EXPECT_NE(ToHex(before.ccciek().view()), ToHex(after.ccciek().view()));
  EXPECT_EQ(KeyLines(), 1u);
}

TEST_F(CommonKeysTest, ADamagedOrReadableKeyFileStopsTheStart) {
  const std::string config = Config(0xC0);
  Start(config);
  Kill();
  const std::string file = dir_.File("state") + "/ccciek";
  ASSERT_EQ(chmod(file.c_str(), 0644), 0);
  const std::string readable = StartFails(config);
  EXPECT_NE(readable.find("ccciek: must be a file owned by this user with mode 0600"),
            std::string::npos)
      << readable;
  {
    std::ofstream out(file, std::ios::app);
    out << "not a key line\n";
  }
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  const std::string damaged = StartFails(config);
  EXPECT_NE(damaged.find("ccciek: line 2"), std::string::npos) << damaged;
}

}  // namespace
}  // namespace rcas::tools
