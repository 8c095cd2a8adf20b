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

// WriteAll writes `data` to a new file `path` with mode 0600 and fsyncs it.
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

Result<RandChk> LoadRandChk(const std::string& state_dir, bool* created) {
  *created = false;
  if (mkdir(state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return SysError("cannot create the state folder", state_dir);
  }
  const std::string path = state_dir + "/rand_chk";
  RandChk rand;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    struct stat st {};
    const bool stat_ok = fstat(fd, &st) == 0;
    const bool size_ok = stat_ok && st.st_size == static_cast<off_t>(rand.view().size());
    const ssize_t n = size_ok ? read(fd, rand.mutable_view().data(), rand.view().size()) : -1;
    close(fd);
    if (!stat_ok || (st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
      return Error{path + ": must be owned by this user with mode 0600 (it derives CHK)"};
    }
    if (n != static_cast<ssize_t>(rand.view().size())) {
      return Error{path +
                   ": must hold exactly 40 octets (RAND_CHK); remove it to draw a new "
                   "one (every CAM then re-keys)"};
    }
    return rand;
  }
  if (errno != ENOENT) {
    return SysError("cannot read", path);
  }
  crypto::RandomBytes(rand.mutable_view());
  const std::string tmp = path + ".new";
  if (Status s = WriteNew(tmp, rand.view()); !s.ok()) {
    return Error{s.error()};
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    return SysError("cannot rename into", path);
  }
  const int dir = open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);  // the rename itself survives a crash
    close(dir);
  }
  *created = true;
  return rand;
}

}  // namespace rcas::tools::cassd
