// The HTTP/1.1 side of the image server (PROFILE §13.7): accept, read a
// request, answer it from the registry (Range, keep-alive), repeat.

#include <netinet/tcp.h>
#include <unistd.h>

#include <cstring>

#include "dataplane/image_server_internal.h"

namespace rcas::dataplane {
namespace {

constexpr int kDrainTimeoutMs = 1000;

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 206:
      return "Partial Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 414:
      return "URI Too Long";
    case 416:
      return "Range Not Satisfiable";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

}  // namespace

void ImageServer::Impl::ArmAccept(size_t li) {
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_accept(sqe, listeners[li].fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, Tag(OpKind::kAccept, li));
  ++inflight_total;
}

void ImageServer::Impl::OnAccept(size_t li, int res) {
  if (stopping) {
    if (res >= 0) {
      close(res);
    }
    return;
  }
  ArmAccept(li);
  if (res < 0) {
    Count(socket_errors);
    return;
  }
  size_t index = 0;
  Client* c = NewClient(true, res, &index);
  if (c == nullptr) {
    Count(http_rejected_full);
    close(res);
    return;
  }
  Count(http_connections);
  const int one = 1;
  setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  c->in = std::make_unique<char[]>(opt.http_limits.max_head + 1);
  HttpRecv(index);
}

void ImageServer::Impl::HttpRecv(size_t index) {
  Client& c = *clients[index];
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_recv(sqe, c.fd, c.in.get() + c.in_len, opt.http_limits.max_head + 1 - c.in_len, 0);
  io_uring_sqe_set_data64(sqe, Tag(OpKind::kHttpRecv, index));
  ++c.inflight;
  ++inflight_total;
  c.recv_posted = true;
  c.deadline_ms = now_ms + opt.http_idle_timeout_ms;
}

void ImageServer::Impl::OnHttpRecv(size_t index, int res) {
  Client& c = *clients[index];
  c.recv_posted = false;
  Done(index);
  if (!c.in_use || c.closing) {
    return;
  }
  if (res <= 0) {
    if (res < 0) {
      Count(socket_errors);
    }
    CloseClient(index);  // the client closed (or the socket failed)
    return;
  }
  if (c.draining) {
    HttpRecv(index);  // discard
    c.deadline_ms = now_ms + kDrainTimeoutMs;
    return;
  }
  c.in_len += static_cast<size_t>(res);
  HttpNextRequest(index);
}

void ImageServer::Impl::HttpNextRequest(size_t index) {
  Client& c = *clients[index];
  HttpRequest req;
  switch (ParseHttpRequest({c.in.get(), c.in_len}, opt.http_limits, &req)) {
    case HttpParse::kIncomplete:
      HttpRecv(index);
      return;
    case HttpParse::kError:
      Count(http_requests);
      c.keep_alive = false;  // the stream cannot be trusted past a bad request
      c.in_len = 0;
      HttpRespond(index, req.status, "", 0, 0);
      return;
    case HttpParse::kOk:
      break;
  }
  Count(http_requests);
  std::memmove(c.in.get(), c.in.get() + req.consumed, c.in_len - req.consumed);
  c.in_len -= req.consumed;
  c.keep_alive = req.keep_alive;
  auto obj = registry.Find(req.fn);
  if (obj == nullptr) {
    HttpRespond(index, 404, "", 0, 0);
    return;
  }
  const uint64_t size = obj->encrypted_size;
  uint64_t first = 0, last = 0;
  if (!ResolveRange(req.range, size, &first, &last)) {
    HttpRespond(index, 416, "Content-Range: bytes */" + std::to_string(size) + "\r\n", 0, 0);
    return;
  }
  const uint64_t len = last - first + 1;
  const bool partial = req.range.form != HttpRange::Form::kNone;
  std::string extra = "Accept-Ranges: bytes\r\n";
  if (partial) {
    extra += "Content-Range: bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
             std::to_string(size) + "\r\n";
  }
  if (!req.head) {
    c.cursor.Open(std::move(obj), first, opt.http_chunk);
  }
  // HEAD: the headers of the GET, no body (RFC 9110 §9.3.2).
  HttpRespond(index, partial ? 206 : 200, extra, len, req.head ? 0 : len);
}

void ImageServer::Impl::HttpRespond(size_t index, int status, const std::string& extra,
                                    uint64_t length, uint64_t body) {
  Client& c = *clients[index];
  switch (status) {
#define RCAS_STATUS_COUNT(code) \
  case code:                    \
    Count(http_##code);         \
    break;
    RCAS_STATUS_COUNT(200)
    RCAS_STATUS_COUNT(206)
    RCAS_STATUS_COUNT(400)
    RCAS_STATUS_COUNT(404)
    RCAS_STATUS_COUNT(405)
    RCAS_STATUS_COUNT(414)
    RCAS_STATUS_COUNT(416)
    RCAS_STATUS_COUNT(431)
    RCAS_STATUS_COUNT(505)
#undef RCAS_STATUS_COUNT
  }
  c.head = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
  if (status < 300) {
    c.head += "Content-Type: application/octet-stream\r\n";
  }
  c.head += extra + "Content-Length: " + std::to_string(length) + "\r\n";
  c.head += c.keep_alive ? "\r\n" : "Connection: close\r\n\r\n";
  c.head_off = 0;
  c.body_left = body;
  c.sending = true;
  HttpPump(index);
}

void ImageServer::Impl::HttpPump(size_t index) {
  Client& c = *clients[index];
  size_t n = 0;
  if (c.head_off < c.head.size()) {
    c.iov[n++] = {c.head.data() + c.head_off, c.head.size() - c.head_off};
  }
  if (c.body_left > 0) {
    ByteView piece = c.cursor.Peek();
    if (piece.empty() && n == 0) {
      if (!c.want_data) {  // an individual object's buffer is drained: next burst
        c.want_data = true;
        want.push_back(index);
      }
      return;
    }
    if (!piece.empty()) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(piece.size(), c.body_left));
      c.iov[n++] = {const_cast<uint8_t*>(piece.data()), take};
    }
  }
  if (n == 0) {
    // Response complete: the next request (maybe already buffered), or close.
    c.sending = false;
    c.cursor.Close();
    if (!c.keep_alive) {
      // Read what the client still sends until it closes, so that closing
      // with unread data does not reset the connection before it read the answer.
      shutdown(c.fd, SHUT_WR);
      c.draining = true;
      c.in_len = 0;
      HttpRecv(index);
      c.deadline_ms = now_ms + kDrainTimeoutMs;
    } else if (c.in_len > 0) {
      HttpNextRequest(index);
    } else {
      HttpRecv(index);
    }
    return;
  }
  c.msg = {};
  c.msg.msg_iov = c.iov;
  c.msg.msg_iovlen = n;
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_sendmsg(sqe, c.fd, &c.msg, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, Tag(OpKind::kHttpSend, index));
  ++c.inflight;
  ++inflight_total;
  c.deadline_ms = now_ms + opt.http_idle_timeout_ms;
}

void ImageServer::Impl::OnHttpSend(size_t index, int res) {
  Client& c = *clients[index];
  Done(index);
  if (!c.in_use || c.closing) {
    return;
  }
  if (res < 0) {
    Count(socket_errors);
    CloseClient(index);
    return;
  }
  size_t sent = static_cast<size_t>(res);
  const size_t from_head = std::min(sent, c.head.size() - c.head_off);
  c.head_off += from_head;
  sent -= from_head;
  c.cursor.Consume(sent);
  c.body_left -= sent;
  Count(http_body_bytes, sent);
  HttpPump(index);
}

void ImageServer::Impl::HttpTimeout(size_t index) {
  if (!clients[index]->draining) {
    Count(http_idle_timeouts);
  }
  CloseClient(index);
}

}  // namespace rcas::dataplane
