#pragma once
// Endpoint: a numeric address and a port, as the config gives them, for every socket the
// dataplane binds or sends to.

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace rcas::dataplane {

struct Endpoint {
  std::string address;  // numeric IPv4 or IPv6 (no host names: nothing is resolved)
  uint16_t port = 0;
};

// ParseSocketAddress fills `ss`/`len` from a numeric address; false if it is not one.
bool ParseSocketAddress(const Endpoint& e, sockaddr_storage* ss, socklen_t* len);

}  // namespace rcas::dataplane
