#pragma once
// Socket helpers of the CAM fleet runner (tools/cam_fleet.h): numeric addresses only (§13.1 has
// no host names), non-blocking sockets, the announcement socket with its multicast join (§5.1).

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "crypto/result.h"

namespace rcas::tools {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  // SameHost compares the IP address only (the CASS may answer from another port).
  bool SameHost(const sockaddr_storage& other) const;
};

// ParseAddress reads a numeric IPv4 or IPv6 address.
Result<SocketAddress> ParseAddress(const std::string& host, uint16_t port);

// MappedIpText is the text of a 16-octet dSIP: dotted quad for ::ffff:a.b.c.d (§13.7), else
// IPv6 text.
std::string MappedIpText(const uint8_t (&ip)[16]);

// OpenUdpSocket returns a non-blocking UDP socket for `family` (one per session, §5.4).
Result<int> OpenUdpSocket(int family);

// ConnectTcp starts a non-blocking connect; completion shows as writability.
Result<int> ConnectTcp(const SocketAddress& to);

// OpenAnnounceSocket binds UDP `port` (SO_REUSEADDR, so several fleets can share it) and joins
// `group` if it is multicast; a unicast or wildcard address just binds (§5.1: CAMs also accept
// unicast). `interface` picks where to join: an IPv4 address for an IPv4 group, an interface
// name for an IPv6 group; empty: the routing table's choice.
Result<int> OpenAnnounceSocket(const std::string& group, uint16_t port,
                               const std::string& interface = "");

}  // namespace rcas::tools
