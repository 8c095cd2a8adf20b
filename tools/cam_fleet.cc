// CamFleet: the CAMs' sockets on one epoll and their deadlines on one timer heap.

#include "tools/cam_fleet.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>

#include "protocol/framing.h"
#include "tools/cam_net.h"

namespace rcas::tools {
namespace {

constexpr uint64_t kAnnounceTag = 0;  // epoll data of the announcement socket; CAM i is i + 1
constexpr uint64_t kDownloadsTag = UINT64_MAX;  // the downloads' eventfd
constexpr size_t kMaxDatagram = 65536;

std::string StatusList(const std::map<uint8_t, uint64_t>& counts) {
  std::string out;
  for (const auto& [code, n] : counts) {
    char item[32];
    std::snprintf(item, sizeof(item), "%s0x%02x x%llu", out.empty() ? "" : ", ", code,
                  static_cast<unsigned long long>(n));
    out += item;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

class CamFleet::Member : public CamIo {
 public:
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
    uint8_t buf[kMaxDatagram];
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

CamFleet::CamFleet(FleetOptions options)
    : options_(options), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (options_.download_threads > 0) {
    downloads_ = std::make_unique<CamDownloads>(options_.download_threads, options_.http_port,
                                                options_.tftp_port, options_.images);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kDownloadsTag;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, downloads_->event_fd(), &ev);
  }
}

CamFleet::~CamFleet() {
  downloads_.reset();  // joins the workers before the CAMs go
  members_.clear();
  if (announce_fd_ >= 0) {
    close(announce_fd_);
  }
  close(epoll_fd_);
}

int64_t CamFleet::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void CamFleet::Add(CamIdentity identity, const CamConfig& config, CamPersistentState state,
                   std::string state_path) {
  auto m = std::make_unique<Member>(*this, members_.size());
  m->machine = std::make_unique<CamMachine>(std::move(identity), config, std::move(state), *m);
  m->state_path = std::move(state_path);
  members_.push_back(std::move(m));
}

size_t CamFleet::size() const { return members_.size(); }

CamMachine& CamFleet::machine(size_t i) { return *members_.at(i)->machine; }

Status CamFleet::ListenAnnouncements(const std::string& group, uint16_t port,
                                     const std::string& interface) {
  auto fd = OpenAnnounceSocket(group, port, interface);
  if (!fd) {
    return Error{fd.error()};
  }
  announce_fd_ = *fd;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kAnnounceTag;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, announce_fd_, &ev);
  return OkStatus();
}

void CamFleet::StartAll(const CamTarget& target, CamMode mode) {
  const int64_t now = NowMs();
  fixed_ = true;
  for (size_t i = 0; i < members_.size(); ++i) {
    CamTarget t = target;
    if (!t.cass_id) {
      t.cass_id = members_[i]->machine->state().current_cass_id;  // the CAM's current CASS
    }
    members_[i]->machine->StartSession(t, mode, now);
    Reschedule(i);
  }
}

void CamFleet::Reschedule(size_t i) {
  Member& m = *members_[i];
  const std::optional<int64_t> next = m.machine->NextDeadline();
  if (next && *next != m.scheduled_at) {
    m.scheduled_at = *next;
    timers_.push_back({*next, i});
    std::push_heap(timers_.begin(), timers_.end(), std::greater<>());
  }
}

bool CamFleet::AllDone() const {
  return std::all_of(members_.begin(), members_.end(), [this](const auto& m) {
    const CamMachine& c = *m->machine;
    return c.Done() || (options_.once && c.stats().sessions > 0 && c.phase() == CamPhase::kIdle);
  });
}

void CamFleet::OnAnnounceReadable() {
  uint8_t buf[kMaxDatagram];
  for (;;) {
    const ssize_t n = recv(announce_fd_, buf, sizeof(buf), 0);
    if (n < 0) {
      return;
    }
    const int64_t now = NowMs();
    for (size_t i = 0; i < members_.size(); ++i) {
      CamMachine& c = *members_[i]->machine;
      if (options_.once && c.stats().sessions > 0 && c.phase() == CamPhase::kIdle) {
        continue;  // this CAM has had its session
      }
      c.OnAnnouncement(ByteView(buf, static_cast<size_t>(n)), now);
      Reschedule(i);
    }
  }
}

void CamFleet::OnDownloadsDone() {
  for (CamDownloads::Done& d : downloads_->Take()) {
    members_[d.member]->machine->OnImageFetched(d.download, d.index, std::move(d.object), NowMs());
    Reschedule(d.member);
  }
}

void CamFleet::Run(int64_t duration_ms, const std::atomic<bool>* stop) {
  const int64_t end = duration_ms > 0 ? NowMs() + duration_ms : INT64_MAX;
  const bool finite = options_.once || fixed_;
  epoll_event events[256];
  int n = 0;
  for (;;) {
    int64_t now = NowMs();
    // While sockets have more to read than one batch, read before firing timers: an answer
    // already waiting must not be overtaken by a retransmission.
    while (n < 256 && !timers_.empty() && timers_.front().at <= now) {
      std::pop_heap(timers_.begin(), timers_.end(), std::greater<>());
      const Timer t = timers_.back();
      timers_.pop_back();
      Member& m = *members_[t.member];
      if (t.at != m.scheduled_at) {
        continue;  // superseded
      }
      m.scheduled_at = 0;
      m.machine->OnTimer(now);
      Reschedule(t.member);
    }
    if ((stop != nullptr && stop->load()) || now >= end || (finite && AllDone())) {
      return;
    }
    int64_t wait = n == 256 ? 0 : 1000;
    if (!timers_.empty()) {
      wait = std::clamp<int64_t>(timers_.front().at - now, 0, wait);
    }
    wait = std::min(wait, end - now);
    n = epoll_wait(epoll_fd_, events, 256, static_cast<int>(wait));
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == kAnnounceTag) {
        OnAnnounceReadable();
        continue;
      }
      if (events[i].data.u64 == kDownloadsTag) {
        OnDownloadsDone();
        continue;
      }
      const size_t index = events[i].data.u64 - 1;
      members_[index]->OnEvent(events[i].events);
      Reschedule(index);
    }
  }
}

FleetSummary CamFleet::Summary() const {
  FleetSummary s;
  s.cams = members_.size();
  for (const auto& m : members_) {
    const CamStats& c = m->machine->stats();
    s.cams_completed += c.completed > 0 && !c.last_failed ? 1 : 0;
    s.total.sessions += c.sessions;
    s.total.registered += c.registered;
    s.total.completed += c.completed;
    s.total.timeouts += c.timeouts;
    s.total.retransmissions += c.retransmissions;
    s.total.images_installed += c.images_installed;
    s.total.images_failed += c.images_failed;
    s.total.dropped += c.dropped;
    for (const auto& [code, n] : c.status_received) {
      s.total.status_received[code] += n;
    }
    for (const auto& [code, n] : c.status_sent) {
      s.total.status_sent[code] += n;
    }
  }
  return s;
}

void FleetSummary::Print(std::ostream& out) const {
  out << "summary: " << cams << " CAMs, " << cams_completed << " completed\n"
      << "  sessions " << total.sessions << ", registered " << total.registered << ", completed "
      << total.completed << "\n"
      << "  images installed " << total.images_installed << ", failed " << total.images_failed
      << "\n"
      << "  timeouts " << total.timeouts << ", retransmissions " << total.retransmissions
      << ", dropped " << total.dropped << "\n"
      << "  failed by Status from the CASS: " << StatusList(total.status_received) << "\n"
      << "  Status sent by the CAMs: " << StatusList(total.status_sent) << "\n";
}

}  // namespace rcas::tools
