// The image server over TFTP on loopback: default and large blksize, a file
// of exactly N * blksize octets, a lost ACK, errors, IPv6.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dataplane/tftp_packet.h"
#include "image_fixture.h"
#include "tools/image_client.h"

namespace rcas::dataplane {
namespace {

TEST_F(ImageServerTest, TftpDefaultAndLargeBlksize) {
  StartServer();
  const Bytes common = Publish("c.img", 200'000, false, 1);
  const Bytes indiv = Publish("i.img", 123'457, true, 2);
  for (uint32_t blksize : {0u, 512u, 1428u, 8192u, 65464u}) {
    tools::ImageClientOptions o;
    o.tftp_blksize = blksize;
    o.tftp_tsize = blksize != 512;
    auto a = tools::TftpDownload("127.0.0.1", tftp_port_, "c.img", o);
    ASSERT_TRUE(a.ok()) << blksize << ": " << a.error();
    ExpectImage(*a, common, 1);
    auto b = tools::TftpDownload("::1", tftp6_port_, "i.img", o);
    ASSERT_TRUE(b.ok()) << blksize << ": " << b.error();
    ExpectImage(*b, indiv, 2);
  }
  for (int i = 0; i < 100 && server_->stats().tftp_done < 10; ++i) {
    usleep(10'000);  // the last ACK may still be on its way
  }
  EXPECT_EQ(server_->stats().tftp_done, 10u);
}

TEST_F(ImageServerTest, TftpObjectOfExactlyNBlocksEndsWithAnEmptyData) {
  StartServer();
  // 4096 - 1 plaintext octets pad to 4096 = 8 blocks of 512: a ninth, empty DATA ends it.
  const Bytes plain = Publish("n.img", 4095, true, 3);
  tools::ImageClientOptions o;
  o.tftp_blksize = 0;
  o.tftp_tsize = false;
  auto r = tools::TftpDownload("127.0.0.1", tftp_port_, "n.img", o);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->size(), 4096u);
  ExpectImage(*r, plain, 3);
  EXPECT_EQ(server_->stats().tftp_data_bytes, 4096u);
}

TEST_F(ImageServerTest, TftpErrorsForUnknownFilesWritesAndNetascii) {
  StartServer();
  Publish("x", 10, false);
  auto r = tools::TftpDownload("127.0.0.1", tftp_port_, "missing");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("server error 1"), std::string::npos) << r.error();

  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(tftp_port_);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto ask = [&](const Bytes& pkt) {
    sendto(fd, pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    pollfd p = {fd, POLLIN, 0};
    uint8_t buf[600];
    TftpPacket reply;
    EXPECT_EQ(poll(&p, 1, 2000), 1);
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    EXPECT_TRUE(n > 0 && ParseTftpPacket({buf, size_t(n)}, &reply));
    return reply.op == TftpOp::kError ? reply.error_code : 0xffff;
  };
  uint8_t pkt[100];
  size_t n = BuildTftpRequest(pkt, sizeof(pkt), TftpOp::kWrq, "x", 0, false);
  EXPECT_EQ(ask(Bytes(pkt, pkt + n)), 2);  // access violation: read only
  const uint8_t netascii[] = {0, 1, 'x', 0, 'n', 'e', 't', 'a', 's', 'c', 'i', 'i', 0};
  EXPECT_EQ(ask(Bytes(std::begin(netascii), std::end(netascii))), 0);
  n = BuildTftpAck(pkt, sizeof(pkt), 1);
  EXPECT_EQ(ask(Bytes(pkt, pkt + n)), 4);  // an ACK to port 69: illegal operation
  close(fd);
  const ImageServerStats s = server_->stats();
  EXPECT_EQ(s.tftp_not_found, 1u);
  EXPECT_EQ(s.tftp_refused, 2u);
}

// A hand-run transfer that never sends the ACK of block 3 the first time: the
// server must send DATA 3 again after its timeout, and the file must still be whole.
TEST_F(ImageServerTest, TftpLostAckIsRetransmitted) {
  StartServer({.tftp_timeout_ms = 100});
  const Bytes plain = Publish("l.img", 3000, true, 4);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in server = {};
  server.sin_family = AF_INET;
  server.sin_port = htons(tftp_port_);
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  uint8_t pkt[600];
  size_t n = BuildTftpRequest(pkt, sizeof(pkt), TftpOp::kRrq, "l.img", 0, false);
  sendto(fd, pkt, n, 0, reinterpret_cast<sockaddr*>(&server), sizeof(server));
  Bytes got;
  bool dropped = false;
  int data3 = 0;
  for (;;) {
    pollfd p = {fd, POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 3000), 1);
    sockaddr_in from = {};
    socklen_t from_len = sizeof(from);
    const ssize_t m =
        recvfrom(fd, pkt, sizeof(pkt), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    TftpPacket d;
    ASSERT_TRUE(m > 0 && ParseTftpPacket({pkt, size_t(m)}, &d));
    ASSERT_EQ(d.op, TftpOp::kData);
    EXPECT_NE(from.sin_port, server.sin_port) << "each transfer has its own TID";
    data3 += d.block == 3;
    if (d.block == 3 && !dropped) {
      dropped = true;  // lose this ACK
      continue;
    }
    if (d.block == (got.size() / 512) + 1) {
      got.insert(got.end(), d.data.begin(), d.data.end());
    }
    uint8_t ack[4];
    BuildTftpAck(ack, sizeof(ack), d.block);
    sendto(fd, ack, 4, 0, reinterpret_cast<sockaddr*>(&from), from_len);
    if (d.data.size() < 512) {
      break;
    }
  }
  close(fd);
  EXPECT_EQ(data3, 2);
  ExpectImage(got, plain, 4);
  EXPECT_GE(server_->stats().tftp_retransmits, 1u);
}

TEST_F(ImageServerTest, TftpDeadClientTimesOut) {
  StartServer({.tftp_timeout_ms = 30, .tftp_max_retries = 2});
  Publish("d.img", 3000, false);
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in server = {};
  server.sin_family = AF_INET;
  server.sin_port = htons(tftp_port_);
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  uint8_t pkt[64];
  const size_t n = BuildTftpRequest(pkt, sizeof(pkt), TftpOp::kRrq, "d.img", 0, false);
  sendto(fd, pkt, n, 0, reinterpret_cast<sockaddr*>(&server), sizeof(server));
  for (int i = 0; i < 100 && server_->stats().tftp_timeouts == 0; ++i) {
    usleep(10'000);
  }
  close(fd);
  const ImageServerStats s = server_->stats();
  EXPECT_EQ(s.tftp_timeouts, 1u);
  EXPECT_EQ(s.tftp_retransmits, 2u);
}

}  // namespace
}  // namespace rcas::dataplane
