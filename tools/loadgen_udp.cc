// UdpTransport (tools/loadgen_transport.h): one connected, non-blocking kernel UDP socket per
// flow on one epoll; a readable socket is drained with recvmmsg.

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "tools/cam_net.h"
#include "tools/loadgen_transport.h"

namespace rcas::tools {
namespace {

constexpr size_t kBatch = 16;
constexpr size_t kMaxDatagram = 65536;

class UdpTransport : public LoadTransport {
 public:
  UdpTransport(UdpTransportOptions o) : o_(std::move(o)), buffers_(kBatch * kMaxDatagram) {}
  ~UdpTransport() override {
    for (int fd : fds_) {
      close(fd);
    }
    if (epoll_ >= 0) {
      close(epoll_);
    }
  }

  Status Open() {
    auto to = ParseAddress(o_.cass_host, o_.cass_port);
    if (!to) {
      return Error{"--cass: not a numeric IPv4 or IPv6 address: " + o_.cass_host};
    }
    std::optional<SocketAddress> from;
    if (!o_.source.empty()) {
      auto parsed = ParseAddress(o_.source, 0);
      if (!parsed) {
        return Error{"--source: not a numeric address: " + o_.source};
      }
      from = *parsed;
    }
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    for (uint32_t f = 0; f < o_.flows; ++f) {
      const int fd = socket(to->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        return Error{"socket " + std::to_string(f) + " of " + std::to_string(o_.flows) + ": " +
                     std::strerror(errno) + " (fewer --flows, or raise the open-file limit)"};
      }
      fds_.push_back(fd);
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o_.socket_buffer, sizeof o_.socket_buffer);
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o_.socket_buffer, sizeof o_.socket_buffer);
      if (from && bind(fd, from->get(), from->len) != 0) {
        return Error{"bind " + o_.source + ": " + std::strerror(errno)};
      }
      if (connect(fd, to->get(), to->len) != 0) {
        return Error{"connect " + o_.cass_host + ": " + std::strerror(errno)};
      }
      epoll_event ev{EPOLLIN, {.u64 = f}};
      epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    }
    for (size_t i = 0; i < kBatch; ++i) {
      iov_[i] = {buffers_.data() + i * kMaxDatagram, kMaxDatagram};
      msgs_[i].msg_hdr = {};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    return OkStatus();
  }

  uint32_t flows() const override { return static_cast<uint32_t>(fds_.size()); }

  bool Send(uint32_t flow, ByteView datagram) override {
    if (flow >= fds_.size() || send(fds_[flow], datagram.data(), datagram.size(), 0) < 0) {
      ++stats_.tx_dropped;  // EAGAIN (buffer full) or ECONNREFUSED from an earlier ICMP
      return false;
    }
    ++stats_.tx;
    return true;
  }

  void Flush() override {}  // Send hands each datagram to the kernel at once

  size_t Poll(LoadSink& sink, size_t max, int wait_us) override {
    epoll_event events[64];
    const int n = epoll_wait(epoll_, events, 64, wait_us > 0 ? (wait_us + 999) / 1000 : 0);
    size_t got = 0;
    for (int e = 0; e < n && got < max; ++e) {
      const auto flow = static_cast<uint32_t>(events[e].data.u64);
      const int r = recvmmsg(fds_[flow], msgs_, kBatch, MSG_DONTWAIT, nullptr);
      for (int i = 0; i < r; ++i) {
        ++stats_.rx;
        ++got;
        sink.OnDatagram(flow,
                        ByteView(buffers_.data() + size_t(i) * kMaxDatagram, msgs_[i].msg_len));
      }
    }
    return got;
  }

  LoadTransportStats stats() const override { return stats_; }
  std::string Describe() const override {
    return "udp " + std::to_string(fds_.size()) + " sockets to " + o_.cass_host + ":" +
           std::to_string(o_.cass_port);
  }

 private:
  UdpTransportOptions o_;
  std::vector<int> fds_;
  int epoll_ = -1;
  Bytes buffers_;
  iovec iov_[kBatch]{};
  mmsghdr msgs_[kBatch]{};
  LoadTransportStats stats_;
};

}  // namespace

Result<std::unique_ptr<LoadTransport>> OpenUdpTransport(const UdpTransportOptions& options) {
  auto t = std::make_unique<UdpTransport>(options);
  if (Status s = t->Open(); !s.ok()) {
    return Error{s.error()};
  }
  return std::unique_ptr<LoadTransport>(std::move(t));
}

}  // namespace rcas::tools
