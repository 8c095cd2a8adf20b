#pragma once
// TempDir: a fresh mkdtemp folder under $TMPDIR (or /tmp), removed with its contents when the
// test ends, for tests that hand files to the openssl CLI or run rcasctl.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rcas::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/rcas-test-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // File is the path of `name` inside the folder, as a string for shell commands.
  std::string File(std::string_view name) const { return (path_ / name).string(); }
  // Write stores `data` as file `name` and returns its path.
  std::string Write(std::string_view name, std::string_view data) const {
    std::ofstream out(File(name), std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    return File(name);
  }
  // Read returns the contents of file `name` ("" if it cannot be read).
  std::string Read(std::string_view name) const {
    std::ifstream in(File(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace rcas::testing
