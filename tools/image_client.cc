// The CAM's image downloaders (tools/image_client.h).

#include "tools/image_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dataplane/tftp_packet.h"

namespace rcas::tools {
namespace {

// Socket closes its descriptor.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) {
      close(fd);
    }
  }
};

bool Resolve(const std::string& host, uint16_t port, sockaddr_storage* ss, socklen_t* len) {
  *ss = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(*v4);
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof(*v6);
    return true;
  }
  return false;
}

bool WaitReadable(int fd, int timeout_ms) {
  pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

// The request target: fn with every octet outside RFC 3986 unreserved and '/' escaped.
std::string Target(std::string_view fn) {
  std::string out = "/";
  for (unsigned char c : fn) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      static const char kHex[] = "0123456789ABCDEF";
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

uint64_t HeaderNumber(std::string_view head, std::string_view name, bool* found) {
  // Names are matched case-insensitively at line starts.
  for (size_t pos = head.find("\r\n"); pos != head.npos; pos = head.find("\r\n", pos + 2)) {
    const std::string_view line = head.substr(pos + 2, head.find("\r\n", pos + 2) - pos - 2);
    if (line.size() > name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0 &&
        line[name.size()] == ':') {
      std::string_view v = line.substr(name.size() + 1);
      while (!v.empty() && v.front() == ' ') {
        v.remove_prefix(1);
      }
      if (v.substr(0, 6) == "bytes ") {
        v.remove_prefix(6);  // Content-Range: bytes first-last/size -> first
      }
      uint64_t n = 0;
      *found = std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc();
      return n;
    }
  }
  *found = false;
  return 0;
}

// HttpOnce runs one GET from octet `from` and appends the body to `out`;
// returns "" when the object is complete, "drop" when the connection broke
// in the body (resumable), or an error.
std::string HttpOnce(const std::string& host, uint16_t port, std::string_view fn,
                     const ImageClientOptions& o, Bytes& out, uint64_t* total) {
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!Resolve(host, port, &ss, &len)) {
    return "bad host '" + host + "'";
  }
  Socket s{socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0 || connect(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return std::string("connect: ") + std::strerror(errno);
  }
  const std::string authority = host.find(':') != host.npos ? "[" + host + "]" : host;
  std::string req = "GET " + Target(fn) + " HTTP/1.1\r\nHost: " + authority + ":" +
                    std::to_string(port) + "\r\nConnection: close\r\n";
  if (!out.empty()) {
    req += "Range: bytes=" + std::to_string(out.size()) + "-\r\n";
  }
  req += "\r\n";
  if (send(s.fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    return "send failed";
  }
  std::string head;
  char buf[16384];
  const bool resuming = !out.empty();
  uint64_t body_left = 0;
  bool in_body = false;
  for (;;) {
    if (!WaitReadable(s.fd, o.timeout_ms)) {
      return in_body ? "drop" : "timeout";
    }
    const ssize_t n = recv(s.fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      return in_body ? "drop" : "connection closed before the response";
    }
    size_t used = 0;
    if (!in_body) {
      head.append(buf, static_cast<size_t>(n));
      const size_t end = head.find("\r\n\r\n");
      if (end == head.npos) {
        if (head.size() > 16384) {
          return "response head too large";
        }
        continue;
      }
      const int status = head.size() >= 12 ? std::atoi(head.c_str() + 9) : 0;
      if (status != (resuming ? 206 : 200)) {
        return "HTTP status " + std::to_string(status);
      }
      bool has_len = false, has_range = false;
      body_left = HeaderNumber(head.substr(0, end), "Content-Length", &has_len);
      const uint64_t first = HeaderNumber(head.substr(0, end), "Content-Range", &has_range);
      if (!has_len || (resuming && (!has_range || first != out.size()))) {
        return "response without a usable Content-Length / Content-Range";
      }
      *total = out.size() + body_left;
      if (*total > o.max_size) {
        return "object larger than " + std::to_string(o.max_size) + " octets";
      }
      used = static_cast<size_t>(n) - (head.size() - end - 4);
      in_body = true;
    }
    const size_t take = std::min<uint64_t>(static_cast<size_t>(n) - used, body_left);
    out.insert(out.end(), buf + used, buf + used + take);
    body_left -= take;
    if (body_left == 0) {
      return "";
    }
  }
}

}  // namespace

Result<Bytes> HttpDownload(const std::string& host, uint16_t port, std::string_view fn,
                           const ImageClientOptions& options) {
  Bytes out;
  uint64_t total = 0;
  for (int attempt = 0;; ++attempt) {
    const std::string err = HttpOnce(host, port, fn, options, out, &total);
    if (err.empty()) {
      return out;
    }
    if (err != "drop" || attempt >= options.http_resumes) {
      return Error{"HTTP " + std::string(fn) + ": " + (err == "drop" ? "connection dropped" : err)};
    }
  }
}

Result<Bytes> TftpDownload(const std::string& host, uint16_t port, std::string_view fn,
                           const ImageClientOptions& o) {
  using namespace dataplane;  // NOLINT(google-build-using-namespace): the packet codec
  const auto fail = [&](const std::string& why) {
    return Error{"TFTP " + std::string(fn) + ": " + why};
  };
  sockaddr_storage server;
  socklen_t server_len = 0;
  if (!Resolve(host, port, &server, &server_len)) {
    return fail("bad host '" + host + "'");
  }
  Socket s{socket(server.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) {
    return fail(std::string("socket: ") + std::strerror(errno));
  }
  uint8_t last[600];  // the packet to retransmit (RRQ, then the latest ACK)
  size_t last_len =
      BuildTftpRequest(last, sizeof(last), TftpOp::kRrq, fn, o.tftp_blksize, o.tftp_tsize);
  if (last_len == 0) {
    return fail("file name too long");
  }
  std::vector<uint8_t> rx(4 + kTftpMaxBlksize + 1);
  sockaddr_storage tid = {};  // the server's transfer port, from its first answer
  socklen_t tid_len = 0;
  uint32_t blksize = kTftpDefaultBlksize;
  uint64_t block = 0;  // blocks received
  Bytes out;
  int retries = 0;
  sendto(s.fd, last, last_len, 0, reinterpret_cast<sockaddr*>(&server), server_len);
  for (;;) {
    if (!WaitReadable(s.fd, o.timeout_ms)) {
      if (++retries > o.tftp_retries) {
        return fail("timeout");
      }
      const sockaddr_storage& to = tid_len != 0 ? tid : server;
      sendto(s.fd, last, last_len, 0, reinterpret_cast<const sockaddr*>(&to),
             tid_len != 0 ? tid_len : server_len);
      continue;
    }
    sockaddr_storage from;
    socklen_t from_len = sizeof(from);
    const ssize_t n =
        recvfrom(s.fd, rx.data(), rx.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      continue;
    }
    if (tid_len == 0) {
      tid = from;
      tid_len = from_len;
    } else if (from_len != tid_len || std::memcmp(&from, &tid, from_len) != 0) {
      uint8_t err[64];  // RFC 1350: another TID gets error 5, the transfer goes on
      const size_t m = BuildTftpError(err, sizeof(err), TftpError::kUnknownTid, "unknown TID");
      sendto(s.fd, err, m, 0, reinterpret_cast<sockaddr*>(&from), from_len);
      continue;
    }
    TftpPacket p;
    if (!ParseTftpPacket({rx.data(), static_cast<size_t>(n)}, &p)) {
      continue;
    }
    if (p.op == TftpOp::kError) {
      return fail("server error " + std::to_string(p.error_code) + ": " + std::string(p.error_msg));
    }
    if (p.op == TftpOp::kOack && block == 0) {
      if ((p.blksize != 0 && p.blksize > std::max<uint32_t>(o.tftp_blksize, 512)) ||
          (p.has_tsize && p.tsize > o.max_size)) {
        uint8_t err[64];
        const size_t m = BuildTftpError(err, sizeof(err), TftpError::kOptionRefused, "refused");
        sendto(s.fd, err, m, 0, reinterpret_cast<sockaddr*>(&tid), tid_len);
        return fail(p.has_tsize && p.tsize > o.max_size ? "object too large" : "bad OACK");
      }
      blksize = p.blksize != 0 ? p.blksize : kTftpDefaultBlksize;
      last_len = BuildTftpAck(last, sizeof(last), 0);
    } else if (p.op == TftpOp::kData && p.block == static_cast<uint16_t>(block + 1)) {
      if (p.data.size() > blksize || out.size() + p.data.size() > o.max_size) {
        return fail("DATA too large");
      }
      out.insert(out.end(), p.data.begin(), p.data.end());
      ++block;
      last_len = BuildTftpAck(last, sizeof(last), static_cast<uint16_t>(block));
      if (p.data.size() < blksize) {
        sendto(s.fd, last, last_len, 0, reinterpret_cast<sockaddr*>(&tid), tid_len);
        return out;
      }
    } else if (!(p.op == TftpOp::kData && p.block == static_cast<uint16_t>(block))) {
      continue;  // anything else is ignored; a repeat of the last DATA is ACKed again
    }
    retries = 0;
    sendto(s.fd, last, last_len, 0, reinterpret_cast<sockaddr*>(&tid), tid_len);
  }
}

}  // namespace rcas::tools
