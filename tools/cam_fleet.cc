// CamFleet: the CAMs' sockets on one epoll and their deadlines on one timer heap; each CAM's
// transport is its Member (cam_fleet_member.h).

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
#include "tools/cam_fleet_member.h"

namespace rcas::tools {
namespace {

constexpr uint64_t kAnnounceTag = 0;  // epoll data of the announcement socket; CAM i is i + 1
constexpr uint64_t kDownloadsTag = UINT64_MAX;  // the downloads' eventfd
constexpr size_t kMaxDatagram = 65536;          // announcements

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
