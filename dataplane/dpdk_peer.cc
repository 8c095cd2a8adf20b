// The conversion between a CAM's address on the port and the engine's PeerRef (a sockaddr and
// kDpdkPeerTag; the worker's index as its route), both ways.

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "dataplane/dpdk_internal.h"

namespace rcas::dataplane {

FlowKey FlowKeyOf(const IpAddr& ip, uint16_t port) {
  FlowKey k;
  k.addr = ip.b;
  k.port = port;
  k.v6 = ip.v6;
  return k;
}

// FillPeer writes the CAM's address into `p` in place. Only the octets a sockaddr_in6 covers are
// cleared: the rest of sockaddr_storage stays zero from p's construction, so Drain reuses one
// PeerRef per burst instead of zeroing and copying 128 octets several times per message.
void FillPeer(const IpAddr& ip, uint16_t port, unsigned worker, control::PeerRef* p) {
  p->transport = control::PeerRef::Transport::kUdp;
  p->connection = kDpdkPeerTag;
  p->route = static_cast<uint16_t>(worker);
  std::memset(&p->address, 0, sizeof(sockaddr_in6));
  if (ip.v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&p->address);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    std::memcpy(&a->sin6_addr, ip.b.data(), 16);
    p->address_len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&p->address);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, ip.b.data(), 4);
    p->address_len = sizeof(sockaddr_in);
  }
}

control::PeerRef PeerOf(const IpAddr& ip, uint16_t port, unsigned worker) {
  control::PeerRef p;
  FillPeer(ip, port, worker, &p);
  return p;
}

bool PeerAddress(const control::PeerRef& p, IpAddr* ip, uint16_t* port) {
  *ip = IpAddr{};
  if (p.address.ss_family == AF_INET && p.address_len >= sizeof(sockaddr_in)) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&p.address);
    std::memcpy(ip->b.data(), &a->sin_addr, 4);
    *port = ntohs(a->sin_port);
    return true;
  }
  if (p.address.ss_family == AF_INET6 && p.address_len >= sizeof(sockaddr_in6)) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&p.address);
    ip->v6 = true;
    std::memcpy(ip->b.data(), &a->sin6_addr, 16);
    *port = ntohs(a->sin6_port);
    return true;
  }
  return false;
}

}  // namespace rcas::dataplane
