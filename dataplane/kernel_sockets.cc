// KernelTransport: opening the sockets (listeners, announcement senders with their multicast
// options) and the ring's provided buffers for datagrams.

#include <arpa/inet.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/kernel_transport_internal.h"

namespace rcas::dataplane {
namespace {
Error SysError(const std::string& what) {
  return Error{"transport: " + what + ": " + std::strerror(errno)};
}

std::string Describe(const Endpoint& e) { return e.address + " port " + std::to_string(e.port); }

uint16_t BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

Result<int> BoundSocket(const Endpoint& e, int type, bool reuse_port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (!ParseSocketAddress(e, &ss, &len)) {
    return Error{"transport: '" + e.address + "' is not a numeric IPv4 or IPv6 address"};
  }
  const int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return SysError("socket");
  }
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  }
  if (ss.ss_family == AF_INET6) {  // "::" takes IPv4 too unless an IPv4 endpoint is listed
    const int v6only = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      (type == SOCK_STREAM && listen(fd, 1024) != 0)) {
    const Error err = SysError("bind " + Describe(e));
    close(fd);
    return err;
  }
  return fd;
}

}  // namespace

bool ParseSocketAddress(const Endpoint& e, sockaddr_storage* ss, socklen_t* len) {
  *ss = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, e.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(e.port);
    *len = sizeof(sockaddr_in);
    return true;
  }
  if (inet_pton(AF_INET6, e.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(e.port);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

Status KernelTransport::Impl::OpenSockets() {
  for (const Endpoint& e : opt.udp) {
    auto fd = BoundSocket(e, SOCK_DGRAM, opt.reuse_port);
    if (!fd.ok()) {
      return Error{fd.error()};
    }
    const int want = opt.udp_receive_buffer;
    if (want > 0 && setsockopt(*fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) != 0) {
      setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);  // capped by rmem_max
    }
    UdpSocket& u = udp.emplace_back();
    u.fd = *fd;
    u.port = BoundPort(u.fd);
    sockaddr_storage ss{};
    socklen_t len = 0;
    ParseSocketAddress(e, &ss, &len);
    u.family = ss.ss_family;
  }
  for (const Endpoint& e : opt.tcp) {
    auto fd = BoundSocket(e, SOCK_STREAM, opt.reuse_port);
    if (!fd.ok()) {
      return Error{fd.error()};
    }
    tcp.push_back({*fd, BoundPort(*fd), false});
  }
  for (const Endpoint& e : opt.announce) {
    sockaddr_storage& to = announce_to.emplace_back();
    socklen_t len = 0;
    if (!ParseSocketAddress(e, &to, &len)) {
      return Error{"transport: announce target '" + e.address + "' is not a numeric address"};
    }
    int& fd = to.ss_family == AF_INET ? announce_v4 : announce_v6;
    if (fd >= 0) {
      continue;
    }
    fd = socket(to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      return SysError("announce socket");
    }
    const int ttl = opt.multicast.ttl;
    const int loop = opt.multicast.loop ? 1 : 0;
    bool ok = true;
    if (to.ss_family == AF_INET) {
      ok = setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) == 0 &&
           setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) == 0;
      if (ok && !opt.multicast.interface_v4.empty()) {
        in_addr a{};
        ok = inet_pton(AF_INET, opt.multicast.interface_v4.c_str(), &a) == 1 &&
             setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof a) == 0;
      }
    } else {
      ok = setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof ttl) == 0 &&
           setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof loop) == 0;
      if (ok && !opt.multicast.interface_v6.empty()) {
        const int index = static_cast<int>(if_nametoindex(opt.multicast.interface_v6.c_str()));
        ok = index != 0 &&
             setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index) == 0;
      }
    }
    if (!ok) {
      return SysError("multicast options (ttl, loop, interface) for " + Describe(e));
    }
  }
  return OkStatus();
}

Status KernelTransport::Impl::SetUpBuffers() {
  buf_entries = 1;
  while (buf_entries < opt.udp_buffers && buf_entries < 32768) {
    buf_entries <<= 1;
  }
  void* mem = nullptr;
  if (posix_memalign(&mem, 4096, buf_entries * sizeof(io_uring_buf)) != 0) {
    return Error{"transport: no memory for the buffer ring"};
  }
  buf_ring = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(buf_ring);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(buf_ring);
  reg.ring_entries = buf_entries;
  reg.bgid = kUdpBufferGroup;
  if (const int r = io_uring_register_buf_ring(&ring, &reg, 0); r < 0) {
    return Error{std::string("transport: io_uring_register_buf_ring: ") + std::strerror(-r)};
  }
  buffers = std::make_unique<uint8_t[]>(size_t{buf_entries} * kUdpBufferSize);
  const int mask = io_uring_buf_ring_mask(buf_entries);
  for (unsigned i = 0; i < buf_entries; ++i) {
    io_uring_buf_ring_add(buf_ring, buffers.get() + size_t{i} * kUdpBufferSize, kUdpBufferSize,
                          static_cast<unsigned short>(i), mask, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buf_ring, static_cast<int>(buf_entries));
  return OkStatus();
}

}  // namespace rcas::dataplane
