// KernelTransport over loopback with an echoing sink: UDP datagrams checked by framing (§5.4),
// TCP frames cut from any split of the stream (§5.3), a framing error closing the connection,
// close-after, idle close, peer close, announcements to a unicast target, watched fds.
#include "dataplane/kernel_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "protocol/content.h"
#include "protocol/protect.h"

namespace rcas::dataplane {
namespace {

Bytes StatusMessage(uint64_t nonce, uint8_t code) {
  Bytes der;
  const std::array<uint8_t, 10> session{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_TRUE(protocol::Encode(protocol::StatusContent{session, code}, &der));
  return *protocol::SealToBytes(protocol::kUnkeyedStatus, nonce, der, {});
}

constexpr uint64_t kCloseNonce = 4;
constexpr uint64_t kTwoAnswersNonce = 5;
constexpr size_t kSecondAnswerSize = 60'000;

// EchoSink answers every message with itself; nonce kCloseNonce asks for close-after, nonce
// kTwoAnswersNonce gets a second, large answer in the same turn (a KeyRegResponse and a
// RenewInfo, say).
class EchoSink : public TransportSink {
 public:
  void OnMessage(const control::PeerRef& peer, ByteView message, uint64_t) override {
    std::lock_guard lock(mu);
    received.emplace_back(message.begin(), message.end());
    const uint64_t nonce = LoadBe64(message.data() + 6);
    pending.push_back({peer, Bytes(message.begin(), message.end()), nonce == kCloseNonce});
    if (nonce == kTwoAnswersNonce) {
      pending.push_back({peer, Bytes(kSecondAnswerSize, 0x5A), false});
    }
  }
  void OnPeerClosed(uint64_t, uint64_t) override {
    std::lock_guard lock(mu);
    ++closed;
  }
  void OnReadable(int fd, uint64_t) override {
    uint64_t v = 0;
    (void)!read(fd, &v, sizeof v);
    std::lock_guard lock(mu);
    ++readable;
    announce.push_back(Bytes{0xAA, 0xBB});
  }
  void Poll(uint64_t, std::vector<control::OutMessage>& out,
            std::vector<Bytes>& announcements) override {
    std::lock_guard lock(mu);
    for (auto& m : pending) {
      out.push_back(std::move(m));
    }
    pending.clear();
    for (auto& a : announce) {
      announcements.push_back(std::move(a));
    }
    announce.clear();
  }
  uint64_t NextDueMs(uint64_t now_ms) override { return now_ms + 50; }

  std::mutex mu;
  std::vector<Bytes> received;
  std::vector<control::OutMessage> pending;
  std::vector<Bytes> announce;
  int closed = 0;
  int readable = 0;
};

int Socket(int type) { return socket(AF_INET, type | SOCK_CLOEXEC, 0); }

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// ReadSome reads what arrives within `ms`; "" on timeout, and marks EOF.
Bytes ReadSome(int fd, int ms, bool* eof = nullptr) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, ms) != 1) {
    return {};
  }
  Bytes buf(70000);
  const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
  if (eof != nullptr) {
    *eof = n == 0;
  }
  buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return buf;
}

class KernelTransportTest : public ::testing::Test {
 protected:
  void Start(KernelTransportOptions o = {}) {
    listener_ = Socket(SOCK_DGRAM);
    sockaddr_in a = Loopback(0);
    ASSERT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    o.udp = {{"127.0.0.1", 0}};
    o.tcp = {{"127.0.0.1", 0}};
    o.announce = {{"127.0.0.1", ntohs(a.sin_port)}};
    o.reuse_port = false;
    transport_ = std::make_unique<KernelTransport>(o);
    ASSERT_TRUE(transport_->Open().ok());
    event_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    transport_->Watch(event_);
    thread_ = std::thread([this] { ASSERT_TRUE(transport_->Run(sink_).ok()); });
  }
  void TearDown() override {
    if (transport_) {
      transport_->Stop();
    }
    if (thread_.joinable()) {
      thread_.join();
    }
    for (int fd : {listener_, event_}) {
      if (fd >= 0) {
        close(fd);
      }
    }
  }
  int Connect() {
    const int fd = Socket(SOCK_STREAM);
    sockaddr_in a = Loopback(transport_->tcp_ports()[0]);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    return fd;
  }
  uint64_t Counter(TransportCounter c) { return transport_->counters()[static_cast<size_t>(c)]; }

  EchoSink sink_;
  std::unique_ptr<KernelTransport> transport_;
  std::thread thread_;
  int listener_ = -1;
  int event_ = -1;
};

TEST_F(KernelTransportTest, UdpDatagramsAreCheckedAndAnsweredFromTheListeningPort) {
  Start();
  const int fd = Socket(SOCK_DGRAM);
  const sockaddr_in to = Loopback(transport_->udp_ports()[0]);
  const Bytes good = StatusMessage(1, 0x01);
  Bytes bad = good;
  bad.push_back(0);  // length + T mismatch: §5.4 discards it
  for (const Bytes* m : std::array<const Bytes*, 2>{&bad, &good}) {
    ASSERT_EQ(
        sendto(fd, m->data(), m->size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to),
        static_cast<ssize_t>(m->size()));
  }
  sockaddr_in from{};
  socklen_t from_len = sizeof from;
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  Bytes echo(100);
  const ssize_t n =
      recvfrom(fd, echo.data(), echo.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
  echo.resize(static_cast<size_t>(n));
  EXPECT_EQ(echo, good);
  EXPECT_EQ(ntohs(from.sin_port), transport_->udp_ports()[0]);
  EXPECT_EQ(Counter(TransportCounter::kUdpBadFrame), 1u);
  EXPECT_EQ(Counter(TransportCounter::kUdpRx), 2u);
  close(fd);
}

TEST_F(KernelTransportTest, TcpFramesFromAnySplitAndPartialMessages) {
  Start();
  const int fd = Connect();
  const Bytes a = StatusMessage(2, 0x01);
  const Bytes b = StatusMessage(3, 0x02);
  Bytes stream = a;
  stream.insert(stream.end(), b.begin(), b.end());
  // One octet, then the rest of the first message plus half of the second, then the remainder.
  const size_t cuts[] = {1, a.size() + b.size() / 2, stream.size()};
  size_t sent = 0;
  for (size_t cut : cuts) {
    ASSERT_EQ(send(fd, stream.data() + sent, cut - sent, 0), static_cast<ssize_t>(cut - sent));
    sent = cut;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Bytes echoed;
  while (echoed.size() < stream.size()) {
    const Bytes got = ReadSome(fd, 5000);
    ASSERT_FALSE(got.empty());
    echoed.insert(echoed.end(), got.begin(), got.end());
  }
  EXPECT_EQ(echoed, stream);
  EXPECT_EQ(Counter(TransportCounter::kTcpRxMessages), 2u);
  close(fd);
}

// Two answers queued in one turn: the second is queued while the first one's send is posted and
// must not move the bytes the kernel is reading.
TEST_F(KernelTransportTest, AnswersQueuedWhileASendIsPostedArriveIntact) {
  Start();
  const int fd = Connect();
  const Bytes m = StatusMessage(kTwoAnswersNonce, 0x01);
  ASSERT_EQ(send(fd, m.data(), m.size(), 0), static_cast<ssize_t>(m.size()));
  Bytes expected = m;
  expected.resize(m.size() + kSecondAnswerSize, 0x5A);
  Bytes got;
  while (got.size() < expected.size()) {
    const Bytes more = ReadSome(fd, 5000);
    ASSERT_FALSE(more.empty()) << got.size() << " of " << expected.size() << " octets";
    got.insert(got.end(), more.begin(), more.end());
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(Counter(TransportCounter::kTcpTxMessages), 2u);
  close(fd);
}

TEST_F(KernelTransportTest, FramingErrorClosesWithoutAnswer) {
  Start();
  const int fd = Connect();
  Bytes junk(16, 0xFF);  // no valid header (§3): §5.3 closes, no Status
  ASSERT_EQ(send(fd, junk.data(), junk.size(), 0), 16);
  bool eof = false;
  const Bytes got = ReadSome(fd, 5000, &eof);
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(eof);
  EXPECT_EQ(Counter(TransportCounter::kTcpBadFrame), 1u);
  std::lock_guard lock(sink_.mu);
  EXPECT_TRUE(sink_.received.empty());
  EXPECT_EQ(sink_.closed, 1);
  close(fd);
}

TEST_F(KernelTransportTest, CloseAfterSendsThenCloses) {
  Start();
  const int fd = Connect();
  const Bytes m = StatusMessage(kCloseNonce, 0x01);
  ASSERT_EQ(send(fd, m.data(), m.size(), 0), static_cast<ssize_t>(m.size()));
  EXPECT_EQ(ReadSome(fd, 5000), m);
  bool eof = false;
  ReadSome(fd, 5000, &eof);
  EXPECT_TRUE(eof);
  EXPECT_EQ(Counter(TransportCounter::kTcpClosedAfter), 1u);
  close(fd);
}

TEST_F(KernelTransportTest, IdleConnectionsAreClosedAndPeerClosesReported) {
  KernelTransportOptions o;
  o.tcp_idle_ms = 300;
  Start(o);
  const int idle = Connect();
  const int leaving = Connect();
  close(leaving);
  bool eof = false;
  ReadSome(idle, 5000, &eof);  // the housekeeping turn (1 s) closes it
  EXPECT_TRUE(eof);
  EXPECT_EQ(Counter(TransportCounter::kTcpIdleClosed), 1u);
  EXPECT_EQ(Counter(TransportCounter::kTcpPeerClosed), 1u);
  std::lock_guard lock(sink_.mu);
  EXPECT_EQ(sink_.closed, 2);
  close(idle);
}

TEST_F(KernelTransportTest, WatchedFdWakesTheSinkAndAnnouncementsGoOut) {
  Start();
  const uint64_t one = 1;
  ASSERT_EQ(write(event_, &one, sizeof one), 8);
  pollfd p{listener_, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  uint8_t buf[8];
  EXPECT_EQ(recv(listener_, buf, sizeof buf, 0), 2);
  EXPECT_EQ(buf[0], 0xAA);
  // The datagram can arrive before the loop reaps the send's completion.
  for (int i = 0; i < 200 && Counter(TransportCounter::kAnnounceTx) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Counter(TransportCounter::kAnnounceTx), 1u);
}

}  // namespace
}  // namespace rcas::dataplane
