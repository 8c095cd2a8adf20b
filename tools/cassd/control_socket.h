#pragma once
// ControlSocket: rcas-cassd's operator socket (docs/cassd.md, "Control socket"). A Unix stream
// socket, mode 0600, served from the daemon's one control thread without ever blocking: every
// fd is non-blocking and sits in an edge-triggered epoll set whose own fd the daemon watches in
// the transport's ring (KernelTransport::Watch takes its fds before Run, so clients that come
// and go cannot be watched one by one).
//
// Wire: one request per line; the answer is zero or more lines and a last line `ok` or
// `error: <reason>`. A client may send the next request after the answer. Bounds: line length,
// clients (more are told so and closed), idle time without a request, unsent answer bytes.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/result.h"

namespace rcas::tools::cassd {

struct ControlSocketOptions {
  std::string path;
  size_t max_clients = 8;
  size_t max_line = 4096;
  uint64_t idle_ms = 10'000;            // no complete request for this long: closed
  size_t max_unsent = size_t{4} << 20;  // an answer not read this far: closed
};

class ControlSocket {
 public:
  // OnLine gets one request of client `client`; the owner answers with Answer, now or later.
  // Until then the client's further lines wait.
  using OnLine = std::function<void(uint64_t client, std::string_view line)>;

  // Open binds `options.path`: a stale socket there (nobody accepts) is replaced; a live one, or
  // anything that is not a socket, is an error. Not thread-safe; the owner's thread only.
  static Result<std::unique_ptr<ControlSocket>> Open(ControlSocketOptions options, OnLine on_line);
  // The destructor closes every client and removes the path if it is still this socket.
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // event_fd is readable when a client or the listener has work; call OnReadable then.
  int event_fd() const { return epoll_fd_; }
  void OnReadable(uint64_t now_ms);
  // Answer ends client's pending request with `body` (lines, may be empty) and `ok` or
  // `error: <error>`. A client already gone is ignored.
  void Answer(uint64_t client, const std::string& body, const std::string& error = "");
  // Expire closes idle and stuck clients; call it at least once a second.
  void Expire(uint64_t now_ms);
  size_t clients() const { return clients_.size(); }
  uint64_t refused() const { return refused_; }

 private:
  struct Client {
    int fd = -1;
    std::string in;
    std::string out;
    bool busy = false;   // a request is with the owner
    bool eof = false;    // the client shut its side: close once answered
    bool close = false;  // close once `out` is sent
    uint64_t since_ms = 0;
  };
  ControlSocket(ControlSocketOptions options, OnLine on_line)
      : options_(std::move(options)), on_line_(std::move(on_line)) {}
  void Accept(uint64_t now_ms);
  void Read(uint64_t id, uint64_t now_ms);
  void Dispatch(uint64_t id);
  void DispatchLines(uint64_t id);
  void Flush(uint64_t id);
  void Close(uint64_t id);

  ControlSocketOptions options_;
  OnLine on_line_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  uint64_t ino_ = 0;  // the bound path's inode: removed at stop only if still ours
  uint64_t next_id_ = 1;
  uint64_t now_ms_ = 0;
  uint64_t refused_ = 0;
  bool dispatching_ = false;
  std::map<uint64_t, Client> clients_;
};

}  // namespace rcas::tools::cassd
