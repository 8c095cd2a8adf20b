#pragma once
// UdpRelay: a lossy UDP relay on 127.0.0.1 between CAMs and a CASS, for fault tests. Each client
// address gets its own upstream socket, so the CASS sees one source port per CAM session as it
// would without the relay (PROFILE §5.4). Datagrams are dropped and duplicated on a fixed
// pattern, counted per direction: the n-th distinct datagram (by its bytes) loses its first copy
// when n is a multiple of `drop_every` and goes out twice when n is a multiple of `dup_every`.
// Keying the pattern on distinct bytes means a byte-identical retransmission (§5.5) always gets
// through, so every exchange can finish, and the run is the same on every machine. One thread,
// started by the constructor and joined by the destructor; the counters are read from any thread.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace rcas::testing {

class UdpRelay {
 public:
  // Direction counts one way: CAM -> CASS (up) or CASS -> CAM (down).
  struct Direction {
    std::atomic<uint64_t> forwarded{0};   // datagrams sent on, duplicates included
    std::atomic<uint64_t> dropped{0};     // first copies lost
    std::atomic<uint64_t> duplicated{0};  // datagrams sent twice
  };

  // Tamper may change a datagram from the CASS before the pattern applies (empty: none); it
  // runs on the relay's thread.
  using Tamper = std::function<void(std::string&)>;
  UdpRelay(uint16_t upstream_port, int drop_every, int dup_every, Tamper tamper = {})
      : drop_every_(drop_every), dup_every_(dup_every), tamper_(std::move(tamper)) {
    upstream_.sin_family = AF_INET;
    upstream_.sin_port = htons(upstream_port);
    upstream_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listen_fd_ = Bound();
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~UdpRelay() {
    stop_ = true;
    thread_.join();
    for (const auto& [fd, client] : clients_) {
      close(fd);
    }
    close(listen_fd_);
  }
  UdpRelay(const UdpRelay&) = delete;
  UdpRelay& operator=(const UdpRelay&) = delete;

  // port is where the CAMs send (the relay's listening port on 127.0.0.1).
  uint16_t port() const { return port_; }
  const Direction& up() const { return up_; }
  const Direction& down() const { return down_; }
  // clients is how many client addresses (CAM sessions) were seen.
  size_t clients() const { return client_count_; }

 private:
  // Bound is a UDP socket on 127.0.0.1, any port.
  static int Bound() {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    return fd;
  }

  // Pass applies the pattern to one datagram; `send` sends it once.
  template <typename Send>
  void Pass(Direction& d, std::set<std::string>& seen, const std::string& bytes, Send send) {
    if (!seen.insert(bytes).second) {
      send();  // a copy seen before: the retransmission gets through
      ++d.forwarded;
      return;
    }
    const size_t n = seen.size();
    if (n % static_cast<size_t>(drop_every_) == 0) {
      ++d.dropped;
      return;
    }
    const int copies = n % static_cast<size_t>(dup_every_) == 0 ? 2 : 1;
    d.duplicated += copies - 1;
    for (int i = 0; i < copies; ++i) {
      send();
      ++d.forwarded;
    }
  }

  void FromClient(const std::string& bytes, const sockaddr_in& from) {
    const uint64_t key = uint64_t{from.sin_addr.s_addr} << 16 | from.sin_port;
    auto it = by_client_.find(key);
    if (it == by_client_.end()) {
      const int fd = Bound();
      it = by_client_.emplace(key, fd).first;
      clients_.emplace(fd, from);
      ++client_count_;
    }
    const int fd = it->second;
    Pass(up_, seen_up_, bytes, [&] {
      (void)sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&upstream_),
                   sizeof upstream_);
    });
  }

  void FromUpstream(std::string bytes, const sockaddr_in& to) {
    if (tamper_) {
      tamper_(bytes);
    }
    Pass(down_, seen_down_, bytes, [&] {
      (void)sendto(listen_fd_, bytes.data(), bytes.size(), 0,
                   reinterpret_cast<const sockaddr*>(&to), sizeof to);
    });
  }

  void Loop() {
    std::vector<char> buf(70'000);
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (const auto& [fd, client] : clients_) {
        fds.push_back({fd, POLLIN, 0});
      }
      if (poll(fds.data(), fds.size(), 20) <= 0) {
        continue;
      }
      for (const pollfd& p : fds) {
        for (;;) {  // drain; errors (a CASS that is down refuses) are ignored
          sockaddr_in from{};
          socklen_t len = sizeof from;
          const ssize_t n =
              recvfrom(p.fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
          if (n < 0) {
            break;
          }
          const std::string bytes(buf.data(), static_cast<size_t>(n));
          if (p.fd == listen_fd_) {
            FromClient(bytes, from);
          } else {
            FromUpstream(bytes, clients_.at(p.fd));
          }
        }
      }
    }
  }

  const int drop_every_;
  const int dup_every_;
  const Tamper tamper_;
  sockaddr_in upstream_{};
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> client_count_{0};
  Direction up_, down_;
  // Relay thread only.
  std::map<uint64_t, int> by_client_;   // client address -> upstream socket
  std::map<int, sockaddr_in> clients_;  // upstream socket -> client address
  std::set<std::string> seen_up_, seen_down_;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace rcas::testing
