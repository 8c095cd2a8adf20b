// rcas-cassd's control socket: the listener, the clients and the line framing
// (docs/cassd.md, "Control socket"). Nothing here waits: accept, recv and send are
// non-blocking and the epoll set is edge-triggered, so every event is drained to EAGAIN.

#include "tools/cassd/control_socket.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace rcas::tools::cassd {
namespace {

constexpr uint64_t kListener = 0;      // epoll data of the listener; clients count from 1
constexpr size_t kMaxQueuedLines = 4;  // unanswered input kept per client, in max_line units

bool FillAddress(const std::string& path, sockaddr_un* a) {
  if (path.empty() || path.size() >= sizeof a->sun_path) {
    return false;
  }
  a->sun_family = AF_UNIX;
  std::memcpy(a->sun_path, path.c_str(), path.size() + 1);
  return true;
}

// Live: somebody accepts on the socket at `a` (a daemon running). ECONNREFUSED is a stale one.
bool Live(const sockaddr_un& a) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int rc = connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  const bool live = rc == 0 || errno == EAGAIN || errno == EINPROGRESS;
  close(fd);
  return live;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

Result<std::unique_ptr<ControlSocket>> ControlSocket::Open(ControlSocketOptions options,
                                                           OnLine on_line) {
  sockaddr_un a{};
  const std::string path = options.path;
  if (!FillAddress(path, &a)) {
    return Error{"'" + path + "': empty or longer than " + std::to_string(sizeof a.sun_path - 1) +
                 " characters"};
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Error{path + ": exists and is not a socket"};
    }
    if (Live(a)) {
      return Error{path + ": a running daemon serves it"};
    }
    unlink(path.c_str());  // stale: left by a daemon that was killed
  }
  std::unique_ptr<ControlSocket> c(new ControlSocket(std::move(options), std::move(on_line)));
  c->listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->listen_fd_ < 0 || bind(c->listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return Error{Errno(path)};
  }
  // Nobody can connect before listen(), so the mode is set before the first client.
  if (chmod(path.c_str(), 0600) != 0 || stat(path.c_str(), &st) != 0) {
    const std::string e = Errno(path);
    unlink(path.c_str());
    return Error{e};
  }
  c->ino_ = st.st_ino;
  c->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = kListener;
  if (listen(c->listen_fd_, 16) != 0 || c->epoll_fd_ < 0 ||
      epoll_ctl(c->epoll_fd_, EPOLL_CTL_ADD, c->listen_fd_, &ev) != 0) {
    return Error{Errno(path)};  // the destructor removes the path
  }
  return c;
}

ControlSocket::~ControlSocket() {
  while (!clients_.empty()) {
    Close(clients_.begin()->first);
  }
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    struct stat st {};
    if (ino_ != 0 && stat(options_.path.c_str(), &st) == 0 && st.st_ino == ino_) {
      unlink(options_.path.c_str());
    }
  }
  if (epoll_fd_ >= 0) {
    close(epoll_fd_);
  }
}

void ControlSocket::OnReadable(uint64_t now_ms) {
  now_ms_ = now_ms;
  epoll_event events[32];
  int n = 0;
  do {
    n = epoll_wait(epoll_fd_, events, 32, 0);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == kListener) {
        Accept(now_ms);
        continue;
      }
      const uint64_t id = events[i].data.u64;
      if ((events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        Read(id, now_ms);
      }
      if (clients_.count(id) != 0 && (events[i].events & EPOLLOUT) != 0) {
        Flush(id);
      }
    }
  } while (n == 32);
}

void ControlSocket::Accept(uint64_t now_ms) {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      return;  // EAGAIN, or a client that left before we took it
    }
    if (clients_.size() >= options_.max_clients) {
      const std::string e =
          "error: too many control clients (" + std::to_string(options_.max_clients) + ")\n";
      (void)!send(fd, e.data(), e.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      close(fd);
      ++refused_;
      continue;
    }
    const uint64_t id = next_id_++;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      continue;
    }
    Client& c = clients_[id];
    c.fd = fd;
    c.since_ms = now_ms;
  }
}

void ControlSocket::Read(uint64_t id, uint64_t now_ms) {
  auto it = clients_.find(id);
  if (it == clients_.end()) {
    return;  // closed earlier in the same batch of events
  }
  Client& c = it->second;
  char chunk[4096];
  for (;;) {
    const ssize_t n = recv(c.fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      if (!c.close) {
        c.in.append(chunk, static_cast<size_t>(n));
      }
      continue;
    }
    if (n == 0) {
      c.eof = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
      Close(id);
      return;
    }
    break;
  }
  // A request longer than the bound is refused; a client that keeps sending while its request
  // is being answered is cut off without a word (its answer could not be framed any more).
  if (c.in.size() > options_.max_line && c.in.find('\n') > options_.max_line) {
    c.in.clear();
    if (c.busy || c.close) {
      Close(id);
      return;
    }
    c.close = true;
    c.busy = true;  // Answer frees it
    Answer(id, "", "request longer than " + std::to_string(options_.max_line) + " octets");
    return;
  }
  if (c.in.size() > kMaxQueuedLines * options_.max_line) {
    Close(id);  // requests queued faster than they are answered: a flood, not an operator
    return;
  }
  c.since_ms = now_ms;
  Dispatch(id);
}

// Dispatch hands the complete lines over one at a time: the next only after the owner answered.
// An answer given inside on_line_ does not dispatch again (the loop goes on), so a client's
// many queued lines cost a loop, not a recursion.
void ControlSocket::Dispatch(uint64_t id) {
  if (dispatching_) {
    return;
  }
  dispatching_ = true;
  DispatchLines(id);
  dispatching_ = false;
}

void ControlSocket::DispatchLines(uint64_t id) {
  for (;;) {
    auto it = clients_.find(id);
    if (it == clients_.end()) {
      return;
    }
    Client& c = it->second;
    size_t nl = c.in.find('\n');
    if (nl == std::string::npos && c.eof && !c.in.empty()) {
      nl = c.in.size();  // the last request needs no newline once the client shut its side
      c.in += '\n';
    }
    if (c.busy || c.close || nl == std::string::npos) {
      if (!c.busy && c.eof) {
        c.close = true;  // nothing more will come; go once the answers are out
        Flush(id);
      }
      return;
    }
    std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    c.busy = true;
    c.since_ms = now_ms_;
    on_line_(id, line);  // may answer at once, re-entering Answer: c is looked up again
  }
}

void ControlSocket::Answer(uint64_t client, const std::string& body, const std::string& error) {
  auto it = clients_.find(client);
  if (it == clients_.end() || !it->second.busy) {
    return;
  }
  Client& c = it->second;
  c.busy = false;
  c.since_ms = now_ms_;
  c.out += body;
  if (!body.empty() && body.back() != '\n') {
    c.out += '\n';
  }
  c.out += error.empty() ? "ok\n" : "error: " + error + "\n";
  Flush(client);
  if (clients_.count(client) != 0 && !c.close) {
    Dispatch(client);  // the next request may already be waiting
  }
}

void ControlSocket::Flush(uint64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) {
    return;
  }
  Client& c = it->second;
  while (!c.out.empty()) {
    const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      c.out.erase(0, static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;  // EPOLLOUT brings us back
    } else {
      Close(id);
      return;
    }
  }
  if (c.out.size() > options_.max_unsent || (c.close && c.out.empty() && !c.busy)) {
    Close(id);
  }
}

void ControlSocket::Expire(uint64_t now_ms) {
  now_ms_ = now_ms;
  std::vector<uint64_t> idle;
  for (const auto& [id, c] : clients_) {
    if (!c.busy && now_ms >= c.since_ms + options_.idle_ms) {
      idle.push_back(id);
    }
  }
  for (uint64_t id : idle) {
    Client& c = clients_[id];
    if (!c.out.empty() || c.close) {
      Close(id);  // its answer was never read
      continue;
    }
    c.close = true;
    c.busy = true;
    Answer(id, "", "no request for " + std::to_string(options_.idle_ms / 1000) + " s, closed");
  }
}

void ControlSocket::Close(uint64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) {
    return;
  }
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
  close(it->second.fd);
  clients_.erase(it);
}

}  // namespace rcas::tools::cassd
