#pragma once
// CamFleet::Member: one CAM of the fleet with its session transport (PROFILE §5.3, §5.4): a UDP
// socket per session, or a TCP connection framed by the header; the CamIo the CAM's state machine
// talks to. Internal to tools/cam_fleet.cc; runs on the fleet's one protocol thread.

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "protocol/framing.h"
#include "tools/cam_fleet.h"
#include "tools/cam_net.h"

namespace rcas::tools {

class CamFleet::Member : public CamIo {
 public:
  static constexpr size_t kMaxDatagram = 65536;

  Member(CamFleet& fleet, size_t index) : fleet_(fleet), index_(index) {}
  ~Member() override { CloseSession(); }

  void OpenSession(const CamTarget& target) override {
    CloseSession();
    auto peer = ParseAddress(target.address, target.port);
    tcp_ = target.transport == CamTransport::kTcp;
    auto fd = !peer  ? Result<int>(Error{peer.error()})
              : tcp_ ? ConnectTcp(*peer)
                     : OpenUdpSocket(peer->family());
    if (!fd) {
      Trace("cam " + machine->name() + " transport: " + fd.error());
      return machine->OnTransportClosed(NowMs());
    }
    peer_ = *peer;
    fd_ = *fd;
    connecting_ = tcp_;
    rx_.clear();
    tx_.clear();
    Watch(EPOLL_CTL_ADD);
  }

  void Send(ByteView message) override {
    if (fd_ < 0) {
      return;
    }
    if (!tcp_) {
      (void)sendto(fd_, message.data(), message.size(), 0, peer_.get(), peer_.len);
      return;  // a lost datagram is what retransmission is for (§5.5)
    }
    Append(tx_, message);
    Flush();
  }

  void CloseSession() override {
    if (fd_ >= 0) {
      epoll_ctl(fleet_.epoll_fd_, EPOLL_CTL_DEL, fd_, nullptr);
      close(fd_);
      fd_ = -1;
    }
  }

  void FetchImage(const ImageRequest& r) override {
    if (fleet_.downloads_ != nullptr) {
      return fleet_.downloads_->Submit(index_, r);
    }
    const FleetOptions& o = fleet_.options_;
    machine->OnImageFetched(r.download, r.index,
                            CamDownloads::Fetch(r, o.http_port, o.tftp_port, o.images), NowMs());
  }

  void StateChanged() override {
    if (!state_path.empty()) {
      if (Status s = SaveCamState(state_path, machine->state()); !s.ok()) {
        Trace("cam " + machine->name() + " state: " + s.error());
      }
    }
  }

  void Trace(std::string_view line) override {
    if (fleet_.options_.trace != nullptr) {
      *fleet_.options_.trace << line << '\n';
    }
  }

  void OnEvent(uint32_t events) {
    if (fd_ < 0) {
      return;
    }
    if (connecting_ && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) {
      int error = 0;
      socklen_t len = sizeof(error);
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) {
        return Closed(std::string("connect: ") + std::strerror(error));
      }
      connecting_ = false;
      Flush();
      return;
    }
    if (!tcp_) {
      return ReadUdp();
    }
    if ((events & EPOLLOUT) != 0) {
      Flush();
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
      ReadTcp();
    }
  }

  std::unique_ptr<CamMachine> machine;
  std::string state_path;
  int64_t scheduled_at = 0;

 private:
  void Watch(int op) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    if (connecting_ || !tx_.empty()) {
      ev.events |= EPOLLOUT;
    }
    ev.data.u64 = index_ + 1;
    epoll_ctl(fleet_.epoll_fd_, op, fd_, &ev);
  }

  void Closed(std::string_view why) {
    Trace("cam " + machine->name() + " transport: " + std::string(why));
    CloseSession();
    machine->OnTransportClosed(NowMs());
  }

  void Flush() {
    while (!connecting_ && !tx_.empty()) {
      const ssize_t n = write(fd_, tx_.data(), tx_.size());
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          return Closed(std::string("write: ") + std::strerror(errno));
        }
        break;
      }
      tx_.erase(tx_.begin(), tx_.begin() + n);
    }
    if (fd_ >= 0) {
      Watch(EPOLL_CTL_MOD);
    }
  }

  void ReadUdp() {
    uint8_t buf[kMaxDatagram];  // one whole UDP datagram (§5.4)
    while (fd_ >= 0) {
      sockaddr_storage from{};
      socklen_t len = sizeof(from);
      const ssize_t n =
          recvfrom(fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) {
        return;
      }
      if (!peer_.SameHost(from)) {
        continue;  // not from the CASS of the session
      }
      machine->OnMessage(ByteView(buf, static_cast<size_t>(n)), NowMs());
    }
  }

  void ReadTcp() {
    bool eof = false;
    uint8_t buf[16384];
    for (;;) {
      const ssize_t n = read(fd_, buf, sizeof(buf));
      if (n > 0) {
        rx_.insert(rx_.end(), buf, buf + n);
        continue;
      }
      eof = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      break;
    }
    // Messages back to back, delimited by the header alone (§5.3).
    while (fd_ >= 0) {
      const protocol::TcpFrame f = protocol::NextTcpFrame(rx_);
      if (f.kind == protocol::TcpFrame::Kind::kClose) {
        // A framing error closes the connection, no Status (§23.11).
        return Closed(std::string("framing: ") + protocol::HeaderErrorName(f.header_error) +
                      ", header " + ToHex(ByteView(rx_).first(std::min<size_t>(rx_.size(), 16))));
      }
      if (f.kind != protocol::TcpFrame::Kind::kMessage) {
        break;
      }
      const Bytes message(rx_.begin(), rx_.begin() + static_cast<ptrdiff_t>(f.size));
      rx_.erase(rx_.begin(), rx_.begin() + static_cast<ptrdiff_t>(f.size));
      machine->OnMessage(message, NowMs());
    }
    if (eof && fd_ >= 0) {
      Closed("connection closed by the CASS");
    }
  }

  CamFleet& fleet_;
  size_t index_;
  int fd_ = -1;
  bool tcp_ = false;
  bool connecting_ = false;
  SocketAddress peer_;
  Bytes rx_;
  Bytes tx_;
};

}  // namespace rcas::tools
