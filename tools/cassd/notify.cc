#include "tools/cassd/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace rcas::tools::cassd {

bool Notify(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') {
    return true;
  }
  sockaddr_un to{};
  to.sun_family = AF_UNIX;
  const size_t len = std::strlen(path);
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof to.sun_path) {
    return false;
  }
  std::memcpy(to.sun_path, path, len);
  if (path[0] == '@') {
    to.sun_path[0] = '\0';  // abstract namespace
  }
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return false;
  }
  const auto to_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const ssize_t n = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                           reinterpret_cast<const sockaddr*>(&to), to_len);
  close(fd);
  return n == static_cast<ssize_t>(state.size());
}

}  // namespace rcas::tools::cassd
