// The pure parsers of the image service: HTTP requests and Range, TFTP packets.

#include <gtest/gtest.h>

#include "dataplane/http_request.h"
#include "dataplane/tftp_packet.h"

namespace rcas::dataplane {
namespace {

TEST(HttpRequestParse, WaitsForTheWholeHeadAndConsumesOneRequest) {
  HttpRequest r;
  const std::string one = "GET /a%2Fb HTTP/1.1\r\nhost: x\r\nRANGE: bytes=5-9\r\n\r\n";
  EXPECT_EQ(ParseHttpRequest(one.substr(0, 20), {}, &r), HttpParse::kIncomplete);
  ASSERT_EQ(ParseHttpRequest(one + "GET /c", {}, &r), HttpParse::kOk);
  EXPECT_EQ(r.consumed, one.size());
  EXPECT_EQ(r.fn, "a/b");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(r.range.form, HttpRange::Form::kFromTo);
  ASSERT_EQ(ParseHttpRequest("HEAD /f?x=1 HTTP/1.0\r\n\r\n", {}, &r), HttpParse::kOk);
  EXPECT_TRUE(r.head);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_EQ(r.fn, "f");
  ASSERT_EQ(ParseHttpRequest("GET http://[::1]:80/g HTTP/1.1\r\nHost: h\r\n"
                             "Connection: Close\r\n\r\n",
                             {}, &r),
            HttpParse::kOk);
  EXPECT_EQ(r.fn, "g");
  EXPECT_FALSE(r.keep_alive);
}

TEST(HttpRequestParse, RangeForms) {
  uint64_t a = 0, b = 0;
  HttpRequest r;
  const auto range = [&](const std::string& v) {
    EXPECT_EQ(ParseHttpRequest("GET /f HTTP/1.1\r\nHost: h\r\nRange: " + v + "\r\n\r\n", {}, &r),
              HttpParse::kOk);
    return r.range;
  };
  EXPECT_TRUE(ResolveRange(range("bytes=0-0"), 10, &a, &b));
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 0u);
  EXPECT_TRUE(ResolveRange(range("bytes=3-"), 10, &a, &b));
  EXPECT_EQ(b, 9u);
  EXPECT_TRUE(ResolveRange(range("bytes=-20"), 10, &a, &b));
  EXPECT_EQ(a, 0u);
  EXPECT_FALSE(ResolveRange(range("bytes=-0"), 10, &a, &b));
  EXPECT_FALSE(ResolveRange(range("bytes=10-"), 10, &a, &b));
  EXPECT_EQ(range("bytes=5-4").form, HttpRange::Form::kNone);
  EXPECT_EQ(range("items=1-2").form, HttpRange::Form::kNone);
  EXPECT_EQ(range("bytes=1-2,3-4").form, HttpRange::Form::kNone);
  EXPECT_EQ(range("bytes=99999999999999999999-").form, HttpRange::Form::kNone);
}

TEST(HttpRequestParse, Errors) {
  HttpRequest r;
  const auto status = [&](const std::string& in, HttpLimits l = {}) {
    return ParseHttpRequest(in, l, &r) == HttpParse::kError ? r.status : 0;
  };
  EXPECT_EQ(status("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);  // no fn
  EXPECT_EQ(status("GET /a HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /a HTTP/1.1\r\nHost: h\r\nHost: i\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /a%00 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status("GET /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(status("DELETE /a HTTP/1.1\r\nHost: h\r\n\r\n"), 405);
  EXPECT_EQ(status("GET /aaaaaaaaaa HTTP/1.1\r\n", {.max_target = 5}), 414);
  EXPECT_EQ(status(std::string(100, 'G'), {.max_target = 5}), 414);
  EXPECT_EQ(status("GET /a HTTP/1.1\r\nX: yyyyyyyyyyyyyyyyyyyyyyyy", {.max_head = 30}), 431);
  EXPECT_EQ(status("GET /a HTTP/3.0\r\nHost: h\r\n\r\n"), 505);
}

TEST(TftpPacketParse, RequestsOptionsAndBuilders) {
  uint8_t buf[600];
  size_t n = BuildTftpRequest(buf, sizeof(buf), TftpOp::kRrq, "dir/f.img", 1428, true);
  TftpPacket p;
  ASSERT_TRUE(ParseTftpPacket({buf, n}, &p));
  EXPECT_EQ(p.op, TftpOp::kRrq);
  EXPECT_EQ(p.filename, "dir/f.img");
  EXPECT_TRUE(p.octet);
  EXPECT_EQ(p.blksize, 1428u);
  EXPECT_TRUE(p.has_tsize);
  const uint8_t upper[] = {0,   1,   'f', 0,   'O', 'C', 'T', 'E', 'T', 0, 'B', 'L',
                           'K', 'S', 'I', 'Z', 'E', 0,   '8', 0,   'x', 0, 'y', 0};
  ASSERT_TRUE(ParseTftpPacket(upper, &p));
  EXPECT_TRUE(p.octet);
  EXPECT_EQ(p.blksize, 8u);  // unknown option x skipped
  n = BuildTftpOack(buf, sizeof(buf), 65464, true, 1u << 20);
  ASSERT_TRUE(ParseTftpPacket({buf, n}, &p));
  EXPECT_EQ(p.op, TftpOp::kOack);
  EXPECT_EQ(p.tsize, 1u << 20);
  n = BuildTftpError(buf, sizeof(buf), TftpError::kNotFound, "nope");
  ASSERT_TRUE(ParseTftpPacket({buf, n}, &p));
  EXPECT_EQ(p.error_code, 1);
  EXPECT_EQ(p.error_msg, "nope");
}

TEST(TftpPacketParse, RejectsMalformed) {
  TftpPacket p;
  const auto bad = [&](std::initializer_list<uint8_t> b) {
    const Bytes v(b);
    return !ParseTftpPacket(v, &p);
  };
  EXPECT_TRUE(bad({0, 1, 'f'}));                              // short, no NUL
  EXPECT_TRUE(bad({0, 1, 0, 'o', 0}));                        // empty filename
  EXPECT_TRUE(bad({0, 1, 'f', 0, 'o', 'c', 't', 'e', 't'}));  // mode without NUL
  EXPECT_TRUE(bad({0, 1, 'f', 0, 'o', 0, 'b', 'l', 'k', 's', 'i', 'z', 'e', 0, '7', 0}));
  EXPECT_TRUE(bad({0, 1, 'f', 0, 'o', 0, 't', 's', 'i', 'z', 'e', 0}));  // option, no value
  EXPECT_TRUE(bad({0, 4, 0, 1, 0}));                                     // ACK with a tail
  EXPECT_TRUE(bad({0, 7, 0, 1}));                                        // unknown opcode
  EXPECT_TRUE(bad({0, 5, 0, 1, 'x'}));                                   // ERROR without NUL
  EXPECT_FALSE(bad({0, 3, 0, 1}));                                       // empty DATA is fine
}

}  // namespace
}  // namespace rcas::dataplane
