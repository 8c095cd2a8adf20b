// The image server over HTTP/1.1 on loopback: common and individual objects,
// Range, HEAD, keep-alive, malformed requests, many concurrent downloads.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "image_fixture.h"
#include "tools/image_client.h"

namespace rcas::dataplane {
namespace {

// RawHttp sends `request` on a fresh connection and returns everything read
// until the server closes or `until_octets` arrived (0: until close).
std::string RawHttp(uint16_t port, const std::string& request, size_t until_octets = 0) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  EXPECT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), ssize_t(request.size()));
  std::string out;
  char buf[65536];
  pollfd p = {fd, POLLIN, 0};
  while ((until_octets == 0 || out.size() < until_octets) && poll(&p, 1, 3000) == 1) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      break;
    }
    out.append(buf, size_t(n));
  }
  close(fd);
  return out;
}

std::string Body(const std::string& response) {
  const size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

Bytes AsBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST_F(ImageServerTest, HttpCommonAndIndividualDecryptToThePlaintext) {
  StartServer();
  const Bytes common = Publish("cas/common.img", 100'000, false, 1);
  const Bytes indiv = Publish("icci-0011223344", 70'001, true, 2);
  const Bytes empty = Publish("empty", 0, true, 3);
  auto a = tools::HttpDownload("127.0.0.1", http_port_, "cas/common.img");
  ASSERT_TRUE(a.ok()) << a.error();
  ExpectImage(*a, common, 1);
  auto b = tools::HttpDownload("::1", http6_port_, "icci-0011223344");
  ASSERT_TRUE(b.ok()) << b.error();
  ExpectImage(*b, indiv, 2);
  auto c = tools::HttpDownload("127.0.0.1", http_port_, "empty");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->size(), 16u);
  ExpectImage(*c, empty, 3);
  auto missing = tools::HttpDownload("127.0.0.1", http_port_, "nope");
  EXPECT_FALSE(missing.ok());
  const ImageServerStats s = server_->stats();
  EXPECT_EQ(s.http_200, 3u);
  EXPECT_EQ(s.http_404, 1u);
  EXPECT_GT(s.encrypt_bursts, 0u);
}

TEST_F(ImageServerTest, HttpRangesOfCommonAndIndividualObjects) {
  StartServer({.http_chunk = 1024});
  Publish("c", 5000, false, 4);
  Publish("i", 5000, true, 5);
  const auto full_c = tools::HttpDownload("127.0.0.1", http_port_, "c");
  const auto full_i = tools::HttpDownload("127.0.0.1", http_port_, "i");
  ASSERT_TRUE(full_c.ok() && full_i.ok());
  ASSERT_EQ(full_i->size(), 5008u);
  for (const char* fn : {"c", "i"}) {
    const Bytes& full = fn[0] == 'c' ? *full_c : *full_i;
    const auto get = [&](const std::string& range) {
      std::string req = "GET /";
      req.append(fn).append(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nRange: ");
      req.append(range).append("\r\n\r\n");
      return RawHttp(http_port_, req);
    };
    std::string r = get("bytes=10-20");
    EXPECT_NE(r.find("HTTP/1.1 206"), std::string::npos) << r.substr(0, 200);
    EXPECT_NE(r.find("Content-Range: bytes 10-20/5008"), std::string::npos);
    EXPECT_EQ(AsBytes(Body(r)), Bytes(full.begin() + 10, full.begin() + 21));
    r = get("bytes=4000-");  // past several 1024-octet chunks of the individual object
    EXPECT_EQ(AsBytes(Body(r)), Bytes(full.begin() + 4000, full.end()));
    r = get("bytes=-8");
    EXPECT_EQ(AsBytes(Body(r)), Bytes(full.end() - 8, full.end()));
    r = get("bytes=5000-99999");
    EXPECT_EQ(AsBytes(Body(r)), Bytes(full.begin() + 5000, full.end()));
    r = get("bytes=5008-");
    EXPECT_NE(r.find("HTTP/1.1 416"), std::string::npos);
    EXPECT_NE(r.find("Content-Range: bytes */5008"), std::string::npos);
    r = get("bytes=1-2,4-5");  // several ranges: ignored, whole object
    EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos);
    EXPECT_EQ(AsBytes(Body(r)), full);
  }
  EXPECT_GT(server_->stats().encrypt_skipped_bytes, 0u);
}

TEST_F(ImageServerTest, HttpHeadAndKeepAlive) {
  StartServer();
  Publish("k", 3000, true, 6);
  const std::string two =
      "HEAD /k HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /k HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string r = RawHttp(http_port_, two);
  // Three answers on one connection; HEAD has the GET's length and no body.
  size_t first = r.find("HTTP/1.1 200"), second = r.find("HTTP/1.1 200", first + 1);
  const size_t third = r.find("HTTP/1.1 200", second + 1);
  ASSERT_NE(third, std::string::npos) << r.substr(0, 400);
  EXPECT_NE(r.substr(first, second - first).find("Content-Length: 3008"), std::string::npos);
  EXPECT_EQ(second - first, r.find("\r\n\r\n", first) + 4 - first) << "HEAD carries no body";
  const size_t body2 = r.find("\r\n\r\n", second) + 4;
  EXPECT_EQ(third - body2, 3008u);
  EXPECT_NE(r.find("Connection: close", third), std::string::npos);
  EXPECT_EQ(r.size() - (r.find("\r\n\r\n", third) + 4), 3008u);
}

TEST_F(ImageServerTest, HttpMalformedRequestsGetTheirStatus) {
  StartServer({.http_limits = {.max_target = 64, .max_head = 512}});
  Publish("x", 10, false);
  const auto status = [&](const std::string& req) {
    const std::string r = RawHttp(http_port_, req);
    return r.size() >= 12 ? std::stoi(r.substr(9, 3)) : 0;
  };
  EXPECT_EQ(status("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), 200);
  EXPECT_EQ(status("GET /y HTTP/1.0\r\n\r\n"), 404);  // 1.0 closes by default
  EXPECT_EQ(status("POST /x HTTP/1.1\r\nHost: a\r\n\r\n"), 405);
  EXPECT_EQ(status("GET /x HTTP/1.1\r\n\r\n"), 400);  // no Host
  EXPECT_EQ(status("GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /%2e%2e/x HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /x%zz HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /x HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(status("GARBAGE\r\n\r\n"), 400);
  std::string long_target = "GET /";
  long_target.append(100, 'a').append(" HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(status(long_target), 414);
  std::string long_head = "GET /x HTTP/1.1\r\nHost: a\r\nX: ";
  long_head.append(600, 'b').append("\r\n\r\n");
  EXPECT_EQ(status(long_head), 431);
  EXPECT_EQ(status("GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"), 400);
  const ImageServerStats s = server_->stats();
  EXPECT_EQ(s.http_400, 6u);
  EXPECT_EQ(s.http_414, 1u);
  EXPECT_EQ(s.http_431, 1u);
}

TEST_F(ImageServerTest, HttpIdleConnectionsAreClosed) {
  StartServer({.http_idle_timeout_ms = 100});
  const std::string r = RawHttp(http_port_, "GET /x HTTP/1.1\r\n");  // never finished
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(server_->stats().http_idle_timeouts, 1u);
}

TEST_F(ImageServerTest, SixtyFourConcurrentIndividualDownloads) {
  StartServer({.http_chunk = 4096});
  constexpr int kClients = 64;
  std::vector<Bytes> plains;
  std::vector<std::string> names(kClients);
  for (int i = 0; i < kClients; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "s%d", i);  // GCC 12 -Wrestrict misfires on "s" + to_string
    names[i] = name;
    plains.push_back(Publish(names[i], 50'000 + 977 * i, true, uint8_t(i)));
  }
  // Half over HTTP, half over TFTP, all at once on the one server thread.
  std::vector<std::string> errors(kClients);
  std::vector<Bytes> got(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto r = i % 2 == 0 ? tools::HttpDownload("127.0.0.1", http_port_, names[i])
                          : tools::TftpDownload("127.0.0.1", tftp_port_, names[i]);
      if (r.ok()) {
        got[i] = std::move(*r);
      } else {
        errors[i] = r.error();
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (int i = 0; i < kClients; ++i) {
    ASSERT_EQ(errors[i], "") << i;
    ExpectImage(got[i], plains[i], uint8_t(i));
  }
  const ImageServerStats s = server_->stats();
  EXPECT_GT(s.encrypt_chunks, s.encrypt_bursts) << "chunks of several transfers share bursts";
}

}  // namespace
}  // namespace rcas::dataplane
