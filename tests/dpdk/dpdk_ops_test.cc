// What an operator relies on: the pcapng capture toggled at run time, the /rcas telemetry
// commands, per-worker counters, a real worker lcore that serves and stops cleanly.

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <rte_eal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "protocol/header.h"
#include "protocol/message_type.h"
#include "tests/dpdk/dpdk_fixture.h"

namespace rcas::dataplane::testing {
namespace {

Bytes KeyRequestLike() {
  Bytes m(protocol::kHeaderLen + 64 + protocol::kSignatureLen, 0x44);
  protocol::WriteHeader(protocol::MakeHeader(protocol::MessageType::kKeyRequest, 64, 9), m.data());
  return m;
}

size_t CountPackets(const std::string& path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);  // libpcap reads pcapng
  EXPECT_NE(p, nullptr) << err;
  if (p == nullptr) {
    return 0;
  }
  size_t n = 0;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &h, &data) == 1) {
    ++n;
  }
  pcap_close(p);
  return n;
}

TEST_F(DpdkPortTest, CaptureWritesBothDirectionsAsPcapngOnlyWhileOn) {
  const std::string path = ::testing::TempDir() + "rcas-capture-" + std::to_string(getpid());
  Inject(UdpFrame(KeyRequestLike()));  // before the capture: not in the file
  Turn();
  ASSERT_EQ(Messages().size(), 1u);
  ASSERT_TRUE(transport_->StartCapture(path).ok());
  EXPECT_FALSE(transport_->StartCapture(path).ok()) << "one capture at a time";
  Inject(UdpFrame(KeyRequestLike()));
  Turn();
  ASSERT_EQ(Messages().size(), 1u);
  ASSERT_TRUE(transport_->Send({CamPeer(), Bytes(100, 2)}));
  Turn();
  EXPECT_EQ(Sent().size(), 1u);
  transport_->StopCapture();
  Inject(UdpFrame(KeyRequestLike()));  // after: not in the file either
  Turn();
  Messages();
  EXPECT_EQ(CountPackets(path), 2u);  // one in, one out
  EXPECT_EQ(transport_->stats()[DpdkCounter::kCaptureDropped], 0u);
  std::remove(path.c_str());
}

// Telemetry asks DPDK's telemetry socket, as dpdk-telemetry.py would.
std::string Telemetry(const std::string& command) {
  const std::string path = std::string(rte_eal_get_runtime_dir()) + "/dpdk_telemetry.v2";
  const int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    char buf[16384];
    [[maybe_unused]] ssize_t hello = read(fd, buf, sizeof buf);  // the info message
    if (write(fd, command.data(), command.size()) > 0) {
      const ssize_t n = read(fd, buf, sizeof buf);
      reply.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
    }
  }
  close(fd);
  return reply;
}

TEST_F(DpdkPortTest, TelemetryShowsTheRcasCounters) {
  Inject(UdpFrame(KeyRequestLike()));
  Turn();
  Messages();
  const std::string stats = Telemetry("/rcas/stats");
  EXPECT_NE(stats.find("\"rx_packets\":1"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"to_control\":1"), std::string::npos) << stats;
  const std::string drops = Telemetry("/rcas/drops");
  EXPECT_NE(drops.find("drop_udp_checksum"), std::string::npos) << drops;
  EXPECT_NE(drops.find("\"raw\":1"), std::string::npos) << drops;
  EXPECT_NE(Telemetry("/rcas/port").find(transport_->mac()), std::string::npos);
}

TEST_F(DpdkPortTest, WorkerStatsOfTheOnlyWorkerAreTheSum) {
  Inject(UdpFrame(KeyRequestLike()));
  Inject(UdpFrame(KeyRequestLike(), true));
  Turn();
  ASSERT_EQ(Messages().size(), 2u);
  ASSERT_TRUE(transport_->Send({CamPeer(), Bytes(100, 2)}));
  Turn();
  ASSERT_EQ(Sent().size(), 1u);
  const DpdkStats sum = transport_->stats();
  const DpdkStats one = transport_->worker_stats(0);
  EXPECT_EQ(one[DpdkCounter::kRxPackets], 2u);
  EXPECT_EQ(one[DpdkCounter::kTxPackets], 1u);
  EXPECT_EQ(one[KeyedVerdict::kRaw], 2u);
  EXPECT_EQ(one.events, sum.events);
  EXPECT_EQ(one.frames, sum.frames);
  EXPECT_EQ(one.keyed, sum.keyed);
  EXPECT_EQ(one.reassembly, sum.reassembly);
  // No such worker: empty stats, not a crash or another worker's counters.
  const DpdkStats none = transport_->worker_stats(transport_->workers());
  EXPECT_EQ(none.events, DpdkStats{}.events);
  EXPECT_EQ(none.keyed, DpdkStats{}.keyed);
}

TEST_F(DpdkPortTest, TelemetryShowsOneWorkersCountersAndRefusesABadIndex) {
  Inject(UdpFrame(KeyRequestLike()));
  Turn();
  Messages();
  const std::string worker = Telemetry("/rcas/worker,0");
  EXPECT_NE(worker.find("\"worker\":0"), std::string::npos) << worker;
  EXPECT_NE(worker.find("\"rx_packets\":1"), std::string::npos) << worker;
  EXPECT_NE(worker.find("\"keyed_raw\":1"), std::string::npos) << worker;
  for (const char* bad : {"/rcas/worker,1", "/rcas/worker", "/rcas/worker,x", "/rcas/worker,0x"}) {
    EXPECT_EQ(Telemetry(bad), "{\"/rcas/worker\":null}") << bad;
  }
}

class DpdkLcoreTest : public DpdkPortTest {
 protected:
  void SetUp() override {
    DpdkOptions o = TestOptions();
    o.workers = 1;  // a real lcore (EAL -l 0-1)
    o.tx_drain_us = 100;
    o.idle_sleep_us = 100;  // shared test machine
    Open(o);
  }
};

TEST_F(DpdkLcoreTest, WorkerLcoreServesUntilStopAndReturnsEveryMbuf) {
  for (int i = 0; i < 50; ++i) {
    Inject(UdpFrame(KeyRequestLike()));
  }
  size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got < 50 && std::chrono::steady_clock::now() < deadline) {
    got += Messages().size();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(got, 50u);
  // Answers queued and never sent, frames left on the RX ring: Stop drains them all.
  for (int i = 0; i < 20; ++i) {
    transport_->Send({CamPeer(), Bytes(64, 3)});
    Inject(UdpFrame(KeyRequestLike()));
  }
  transport_->Stop();
  transport_->Stop();  // idempotent
  // TearDown checks the test pool: every injected mbuf came back.
}

}  // namespace
}  // namespace rcas::dataplane::testing
