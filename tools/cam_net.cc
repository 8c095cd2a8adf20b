// Socket helpers of the CAM fleet runner.

#include "tools/cam_net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rcas::tools {
namespace {

std::string Errno(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

bool SocketAddress::SameHost(const sockaddr_storage& other) const {
  if (other.ss_family != storage.ss_family) {
    return false;
  }
  if (storage.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&other)->sin_addr.s_addr;
  }
  return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr,
                     &reinterpret_cast<const sockaddr_in6*>(&other)->sin6_addr, 16) == 0;
}

Result<SocketAddress> ParseAddress(const std::string& host, uint16_t port) {
  SocketAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len = sizeof(*v4);
    return a;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len = sizeof(*v6);
    return a;
  }
  return Error{"not a numeric IPv4 or IPv6 address: \"" + host + "\""};
}

std::string MappedIpText(const uint8_t (&ip)[16]) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char text[INET6_ADDRSTRLEN] = {};
  if (std::memcmp(ip, kMapped, sizeof(kMapped)) == 0) {
    inet_ntop(AF_INET, ip + 12, text, sizeof(text));
  } else {
    inet_ntop(AF_INET6, ip, text, sizeof(text));
  }
  return text;
}

Result<int> OpenUdpSocket(int family) {
  const int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Error{Errno("socket")};
  }
  return fd;
}

Result<int> ConnectTcp(const SocketAddress& to) {
  const int fd = socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Error{Errno("socket")};
  }
  if (connect(fd, to.get(), to.len) != 0 && errno != EINPROGRESS) {
    const std::string e = Errno("connect");
    close(fd);
    return Error{e};
  }
  return fd;
}

Result<int> OpenAnnounceSocket(const std::string& group, uint16_t port,
                               const std::string& interface) {
  auto addr = ParseAddress(group, port);
  if (!addr) {
    return Error{addr.error()};
  }
  const int fd = socket(addr->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Error{Errno("socket")};
  }
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  // Bind the group itself for multicast (only its datagrams arrive), else the given address.
  int rc = bind(fd, addr->get(), addr->len);
  if (rc == 0 && addr->family() == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr->storage);
    if (IN_MULTICAST(ntohl(v4->sin_addr.s_addr))) {
      ip_mreq m{};
      m.imr_multiaddr = v4->sin_addr;
      m.imr_interface.s_addr = htonl(INADDR_ANY);
      if (!interface.empty() && inet_pton(AF_INET, interface.c_str(), &m.imr_interface) != 1) {
        close(fd);
        return Error{"not an IPv4 interface address: \"" + interface + "\""};
      }
      rc = setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m));
    }
  } else if (rc == 0) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr->storage);
    if (IN6_IS_ADDR_MULTICAST(&v6->sin6_addr)) {
      ipv6_mreq m{};
      m.ipv6mr_multiaddr = v6->sin6_addr;
      m.ipv6mr_interface = interface.empty() ? 0 : if_nametoindex(interface.c_str());
      if (!interface.empty() && m.ipv6mr_interface == 0) {
        close(fd);
        return Error{"no interface named \"" + interface + "\""};
      }
      rc = setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof(m));
    }
  }
  if (rc != 0) {
    const std::string e = Errno("announcements on " + group + ":" + std::to_string(port));
    close(fd);
    return Error{e};
  }
  return fd;
}

}  // namespace rcas::tools
