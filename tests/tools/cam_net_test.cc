// The CAM fleet's socket helpers (tools/cam_net.h): numeric addresses only, dSIP text (§13.7),
// the announcement socket on IPv4 and IPv6 loopback (§5.1 unicast).

#include "tools/cam_net.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

namespace rcas::tools {
namespace {

TEST(CamNet, ParsesNumericAddressesOnly) {
  auto v4 = ParseAddress("127.0.0.1", 49104);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->family(), AF_INET);
  auto v6 = ParseAddress("::1", 49104);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family(), AF_INET6);
  EXPECT_FALSE(ParseAddress("localhost", 1).ok());
  EXPECT_FALSE(ParseAddress("", 1).ok());
  EXPECT_FALSE(ParseAddress("[::1]", 1).ok());
}

TEST(CamNet, SameHostIgnoresThePort) {
  auto a = ParseAddress("127.0.0.1", 1);
  auto b = ParseAddress("127.0.0.1", 2);
  auto c = ParseAddress("127.0.0.2", 1);
  auto d = ParseAddress("::1", 1);
  EXPECT_TRUE(a->SameHost(b->storage));
  EXPECT_FALSE(a->SameHost(c->storage));
  EXPECT_FALSE(a->SameHost(d->storage));
  EXPECT_TRUE(d->SameHost(ParseAddress("::1", 9)->storage));
}

TEST(CamNet, DsIpTextIsDottedForMappedIpv4) {
  const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 20};
  const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(MappedIpText(mapped), "192.0.2.20");
  EXPECT_EQ(MappedIpText(v6), "2001:db8::1");
}

void ExpectAnnouncementArrives(const std::string& host) {
  uint16_t port = 0;
  int fd = -1;
  // Find a free port: try a few from a high base.
  for (uint16_t p = 49303; p < 49353 && fd < 0; ++p) {
    auto s = OpenAnnounceSocket(host, p);
    if (s.ok()) {
      fd = *s;
      port = p;
    }
  }
  ASSERT_GE(fd, 0);
  auto to = ParseAddress(host, port);
  const int tx = socket(to->family(), SOCK_DGRAM, 0);
  const char msg[] = "announce";
  ASSERT_EQ(sendto(tx, msg, sizeof(msg), 0, to->get(), to->len), static_cast<ssize_t>(sizeof(msg)));
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 2000), 1);
  char buf[16];
  EXPECT_EQ(recv(fd, buf, sizeof(buf), 0), static_cast<ssize_t>(sizeof(msg)));
  close(tx);
  close(fd);
}

TEST(CamNet, AnnouncementSocketReceivesUnicastOnIpv4AndIpv6Loopback) {
  ExpectAnnouncementArrives("127.0.0.1");
  ExpectAnnouncementArrives("::1");
}

TEST(CamNet, AnnouncementSocketRefusesAHostNameAndABadInterface) {
  EXPECT_FALSE(OpenAnnounceSocket("example.org", 49103).ok());
  EXPECT_FALSE(OpenAnnounceSocket("239.255.103.1", 49103, "lo").ok());  // IPv4 wants an address
  EXPECT_FALSE(OpenAnnounceSocket("ff15::103", 49103, "no-such-if0").ok());
}

TEST(CamNet, JoinsAnIpv4GroupOnTheLoopbackInterface) {
  auto fd = OpenAnnounceSocket("239.255.103.1", 49399, "127.0.0.1");
  ASSERT_TRUE(fd.ok()) << fd.error();
  const int tx = socket(AF_INET, SOCK_DGRAM, 0);
  in_addr lo{};
  lo.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(tx, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof(lo));
  const int one = 1;
  setsockopt(tx, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof(one));
  auto to = ParseAddress("239.255.103.1", 49399);
  const char msg[] = "announce";
  if (sendto(tx, msg, sizeof(msg), 0, to->get(), to->len) < 0) {
    close(tx);
    close(*fd);
    GTEST_SKIP() << "this host cannot send multicast on loopback";
  }
  pollfd p{*fd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 2000), 1);
  close(tx);
  close(*fd);
}

}  // namespace
}  // namespace rcas::tools
