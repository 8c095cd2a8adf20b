#include "tools/cassd/state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crypto/random.h"

namespace rcas::tools::cassd {
namespace {

Error SysError(const std::string& what, const std::string& path) {
  return Error{what + " " + path + ": " + std::strerror(errno)};
}

// WriteNew writes `data` to a new file `path` with mode 0600 and fsyncs it.
Status WriteNew(const std::string& path, ByteView data) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return SysError("cannot create", path);
  }
  const bool ok =
      write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) && fsync(fd) == 0;
  const Error err = SysError("cannot write", path);
  close(fd);
  return ok ? OkStatus() : Status(err);
}

}  // namespace

Result<std::optional<crypto::SecretBytes>> ReadPrivateFile(const std::string& path,
                                                           size_t max_size) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) {
      return std::optional<crypto::SecretBytes>();
    }
    return SysError("cannot read", path);
  }
  struct stat st {};
  const bool stat_ok = fstat(fd, &st) == 0;
  if (!stat_ok || (st.st_mode & 077) != 0 || st.st_uid != geteuid() || !S_ISREG(st.st_mode)) {
    close(fd);
    return Error{path + ": must be a file owned by this user with mode 0600 (it holds keys)"};
  }
  if (st.st_size > static_cast<off_t>(max_size)) {
    close(fd);
    return Error{path + ": larger than " + std::to_string(max_size) + " octets"};
  }
  crypto::SecretBytes data(static_cast<size_t>(st.st_size));
  const ssize_t n = read(fd, data.mutable_view().data(), data.view().size());
  close(fd);
  if (n != static_cast<ssize_t>(data.view().size())) {
    return SysError("cannot read", path);
  }
  return std::optional<crypto::SecretBytes>(std::move(data));
}

Status ReplacePrivateFile(const std::string& state_dir, const std::string& name, ByteView data) {
  if (mkdir(state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return SysError("cannot create the state folder", state_dir);
  }
  const std::string path = state_dir + "/" + name;
  const std::string tmp = path + ".new";
  if (Status s = WriteNew(tmp, data); !s.ok()) {
    return s;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return SysError("cannot rename into", path);
  }
  const int dir = open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);  // the rename itself survives a crash
    close(dir);
  }
  return OkStatus();
}

Result<RandChk> LoadRandChk(const std::string& state_dir, bool* created) {
  *created = false;
  const std::string path = state_dir + "/rand_chk";
  RandChk rand;
  auto kept = ReadPrivateFile(path, 4096);
  if (!kept.ok()) {
    return Error{kept.error()};
  }
  if (*kept) {
    if ((*kept)->view().size() != rand.view().size()) {
      return Error{path +
                   ": must hold exactly 40 octets (RAND_CHK); remove it to draw a new "
                   "one (every CAM then re-keys)"};
    }
    std::memcpy(rand.mutable_view().data(), (*kept)->view().data(), rand.view().size());
    return rand;
  }
  crypto::RandomBytes(rand.mutable_view());
  if (Status s = ReplacePrivateFile(state_dir, "rand_chk", rand.view()); !s.ok()) {
    return Error{s.error()};
  }
  *created = true;
  return rand;
}

}  // namespace rcas::tools::cassd
