// rcas-loadgen's DPDK transport (tools/loadgen_dpdk.cc) on a net_ring port made of two rings
// the test owns: what it sends is read back with the gateway's ParseFrame, what the test
// injects plays the CASS.

#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "dataplane/frame.h"
#include "dataplane/ip_fragment.h"
#include "dataplane/ip_reassembly.h"
#include "tools/loadgen_transport.h"

namespace rcas::tools {
namespace {

using dataplane::FrameVerdict;
using dataplane::FrameView;
using dataplane::IpAddr;
using dataplane::MacAddr;

const MacAddr kCassMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
const MacAddr kGeneratorMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
constexpr char kCassMacText[] = "02:00:00:00:00:01";
constexpr char kCassV4[] = "10.77.0.1";
constexpr char kFirstV4[] = "10.77.0.2";  // flows 0-2 on .2, 3-5 on .3, ports 20000-20002
constexpr uint16_t kCassPort = 49104;

// Generator is the source MAC of a frame the transport sent: its port's, or, as net_ring has
// none (00:00:00:00:00:00), a random locally administered unicast one.
MacAddr Generator(ByteView frame) {
  MacAddr mac{};
  std::copy(frame.begin() + 6, frame.begin() + 12, mac.begin());
  EXPECT_NE(mac, MacAddr{});
  EXPECT_EQ(mac[0] & 0x03, 0x02) << "locally administered unicast";
  return mac;
}

struct RecordingSink : LoadSink {
  void OnDatagram(uint32_t flow, ByteView datagram) override {
    got.emplace_back(flow, Bytes(datagram.begin(), datagram.end()));
  }
  std::vector<std::pair<uint32_t, Bytes>> got;
};

Bytes Payload(size_t len, uint8_t seed) {
  Bytes b(len);
  for (uint8_t& c : b) {
    c = seed;
    seed = static_cast<uint8_t>(seed + 13);
  }
  return b;
}

dataplane::LocalAddrs Cass() {
  dataplane::LocalAddrs me;
  me.mac = kCassMac;
  me.v4 = IpAddr::Parse(kCassV4);
  return me;
}

class LoadgenDpdkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int next = 0;
    const std::string id = std::to_string(getpid()) + "_" + std::to_string(next++);
    constexpr unsigned kFlags = RING_F_SP_ENQ | RING_F_SC_DEQ;
    rx_ = rte_ring_create(("lrx" + id).c_str(), 1024, SOCKET_ID_ANY, kFlags);
    tx_ = rte_ring_create(("ltx" + id).c_str(), 1024, SOCKET_ID_ANY, kFlags);
    pool_ = rte_pktmbuf_pool_create(("lpool" + id).c_str(), 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    SOCKET_ID_ANY);
    ASSERT_TRUE(rx_ != nullptr && tx_ != nullptr && pool_ != nullptr);
    const int port = rte_eth_from_rings(("lg" + id).c_str(), &rx_, 1, &tx_, 1, SOCKET_ID_ANY);
    ASSERT_GE(port, 0);
    char name[RTE_ETH_NAME_MAX_LEN];
    ASSERT_EQ(rte_eth_dev_get_name_by_port(static_cast<uint16_t>(port), name), 0);
    options_.device = name;
    options_.first_address = kFirstV4;
    options_.addresses = 2;
    options_.first_port = 20000;
    options_.ports_per_address = 3;
    options_.cass_address = kCassV4;
    options_.cass_port = kCassPort;
    options_.cass_mac = kCassMacText;
    options_.mbufs = 2047;
  }

  void TearDown() override {
    Sent();  // frees the transport's frames before its pool goes
    void* m = nullptr;
    while (rte_ring_dequeue(rx_, &m) == 0) {
      rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
    transport_.reset();
    EXPECT_EQ(rte_mempool_in_use_count(pool_), 0u) << "the transport leaked test mbufs";
    rte_mempool_free(pool_);
    rte_ring_free(rx_);
    rte_ring_free(tx_);
  }

  void Open() {
    auto t = OpenDpdkTransport(options_);
    ASSERT_TRUE(t.ok()) << t.error();
    transport_ = std::move(*t);
  }

  // Inject puts one frame on the port's RX ring (from any one thread at a time).
  bool Inject(ByteView frame) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr) {
      return false;
    }
    auto* data = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
    std::memcpy(data, frame.data(), frame.size());
    return rte_ring_enqueue(rx_, m) == 0;
  }

  // Sent takes every frame the transport put on the TX ring.
  std::vector<Bytes> Sent() {
    std::vector<Bytes> out;
    void* obj = nullptr;
    while (rte_ring_dequeue(tx_, &obj) == 0) {
      auto* m = static_cast<rte_mbuf*>(obj);
      const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
      out.emplace_back(d, d + rte_pktmbuf_data_len(m));
      rte_pktmbuf_free(m);
    }
    return out;
  }

  // FromCass builds a UDP frame from the CASS to dst:dst_port, as the gateway would.
  Bytes FromCass(ByteView payload, const char* dst, uint16_t dst_port,
                 uint16_t src_port = kCassPort) const {
    dataplane::UdpRoute r;
    r.src_mac = kCassMac;
    r.dst_mac = kGeneratorMac;  // net_ring delivers any: the generator does not look
    r.src_ip = *IpAddr::Parse(kCassV4);
    r.dst_ip = *IpAddr::Parse(dst);
    r.src_port = src_port;
    r.dst_port = dst_port;
    const size_t headers = dataplane::UdpHeadersLen(false, false);
    Bytes frame(headers + payload.size());
    std::copy(payload.begin(), payload.end(), frame.begin() + headers);
    frame.resize(dataplane::WriteUdpHeaders(MutableByteView(frame), r, payload.size()));
    return frame;
  }

  DpdkTransportOptions options_;
  std::unique_ptr<LoadTransport> transport_;
  rte_ring* rx_ = nullptr;
  rte_ring* tx_ = nullptr;
  rte_mempool* pool_ = nullptr;
};

TEST_F(LoadgenDpdkTest, ResolvesTheCassMacWithArp) {
  options_.cass_mac.clear();
  std::atomic<bool> done{false};
  std::atomic<int> requests{0};
  std::thread cass([&] {  // answers the first ARP request for the CASS, bounded to 5 s
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done && std::chrono::steady_clock::now() < end) {
      for (Bytes& f : Sent()) {
        FrameView v;
        if (dataplane::ParseFrame(f, &v) == FrameVerdict::kArpRequest &&
            v.dst_ip == *IpAddr::Parse(kCassV4) && v.src_ip == *IpAddr::Parse(kFirstV4) &&
            v.arp_sender_mac == v.src_mac && requests++ == 0) {
          f.resize(64);
          f.resize(dataplane::AnswerArp(MutableByteView(f), v, Cass()));
          Inject(f);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  auto t = OpenDpdkTransport(options_);
  done = true;
  cass.join();
  ASSERT_TRUE(t.ok()) << t.error();
  transport_ = std::move(*t);
  EXPECT_GE(requests, 1);
  ASSERT_TRUE(transport_->Send(0, Payload(10, 1)));
  transport_->Flush();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  ASSERT_EQ(dataplane::ParseFrame(sent[0], &v), FrameVerdict::kUdp);
  EXPECT_EQ(v.dst_mac, kCassMac) << "the MAC learnt from the reply";
  EXPECT_NE(transport_->Describe().find(kCassMacText), std::string::npos) << transport_->Describe();
}

TEST_F(LoadgenDpdkTest, NoArpReplyIsAnErrorNamingTheCass) {
  options_.cass_mac.clear();
  const auto start = std::chrono::steady_clock::now();
  const auto t = OpenDpdkTransport(options_);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().find(kCassV4), std::string::npos) << t.error();
  EXPECT_GE(took, std::chrono::milliseconds(2900));
  const size_t requests = Sent().size();  // one every 200 ms
  EXPECT_GE(requests, 12u);
  EXPECT_LE(requests, 16u);
}

TEST_F(LoadgenDpdkTest, SendBuildsOneFramePerDatagramFromTheFlowsSource) {
  Open();
  ASSERT_EQ(transport_->flows(), 6u);
  for (uint32_t f = 0; f < 6; ++f) {
    ASSERT_TRUE(transport_->Send(f, Payload(100 + f, static_cast<uint8_t>(f))));
  }
  EXPECT_FALSE(transport_->Send(6, Payload(10, 0))) << "no such flow";
  transport_->Flush();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 6u);
  const IpAddr sources[] = {*IpAddr::Parse(kFirstV4), *IpAddr::Parse("10.77.0.3")};
  for (uint32_t f = 0; f < 6; ++f) {
    FrameView v;
    ASSERT_EQ(dataplane::ParseFrame(sent[f], &v), FrameVerdict::kUdp) << "checksums hold";
    EXPECT_NE(LoadBe16(sent[f].data() + v.l4_offset + 6), 0) << "the UDP checksum is computed";
    EXPECT_EQ(v.src_mac, Generator(sent[0])) << "one MAC";
    EXPECT_EQ(v.dst_mac, kCassMac);
    EXPECT_EQ(v.src_ip, sources[f / 3]);
    EXPECT_EQ(v.src_port, 20000 + f % 3);
    EXPECT_EQ(v.dst_ip, *IpAddr::Parse(kCassV4));
    EXPECT_EQ(v.dst_port, kCassPort);
    const Bytes want = Payload(100 + f, static_cast<uint8_t>(f));
    EXPECT_EQ(Bytes(sent[f].begin() + v.payload_offset,
                    sent[f].begin() + v.payload_offset + v.payload_len),
              want);
  }
  EXPECT_EQ(transport_->stats().tx, 6u);
  EXPECT_EQ(transport_->stats().tx_dropped, 1u);
}

TEST_F(LoadgenDpdkTest, DatagramLongerThanTheMtuLeavesAsIpv4Fragments) {
  Open();
  const Bytes payload = Payload(3000, 7);
  ASSERT_TRUE(transport_->Send(4, payload));
  transport_->Flush();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 3u);
  dataplane::Reassembler r(dataplane::ReassemblyConfig{.slots = 2});
  Bytes whole;
  for (const Bytes& f : sent) {
    EXPECT_LE(f.size(), 14u + 1500u);
    FrameView v;
    ASSERT_EQ(dataplane::ParseFrame(f, &v), FrameVerdict::kIpv4Fragment);
    const dataplane::ReassemblyResult res = r.Add(f, v, 1);
    whole.assign(res.frame.begin(), res.frame.end());
  }
  FrameView v;
  ASSERT_EQ(dataplane::ParseFrame(whole, &v), FrameVerdict::kUdp) << "checksum of the whole";
  EXPECT_EQ(v.src_ip, *IpAddr::Parse("10.77.0.3"));
  EXPECT_EQ(v.src_port, 20001);
  EXPECT_EQ(Bytes(whole.begin() + v.payload_offset, whole.end()), payload);
  EXPECT_EQ(transport_->stats().tx, 1u) << "datagrams, not frames";
}

TEST_F(LoadgenDpdkTest, FullTxRingDropsWholeDatagramsAndFreesTheirFrames) {
  Open();
  const unsigned room = rte_ring_free_count(tx_);  // the port's TX queue is this ring
  for (unsigned i = 0; i + 1 < room; ++i) {
    ASSERT_TRUE(transport_->Send(i % 6, Payload(20, 1)));  // Send flushes every 256 frames
  }
  ASSERT_TRUE(transport_->Send(2, Payload(3000, 2)));  // 3 fragments, 1 slot left
  transport_->Flush();
  EXPECT_EQ(transport_->stats().tx, room - 1);
  EXPECT_EQ(transport_->stats().tx_dropped, 1u) << "a datagram with a fragment left behind";
  EXPECT_EQ(Sent().size(), room);
  unsigned in_use = 0;  // the transport's pool: refused frames went back to it
  rte_mempool_walk(
      [](rte_mempool* mp, void* arg) {
        if (std::string_view(mp->name).starts_with("rcas_lg")) {
          *static_cast<unsigned*>(arg) += rte_mempool_in_use_count(mp);
        }
      },
      &in_use);
  EXPECT_EQ(in_use, 0u);
}

TEST_F(LoadgenDpdkTest, DatagramFromTheCassReachesTheSinkWithItsFlow) {
  Open();
  const Bytes payload = Payload(200, 3);
  ASSERT_TRUE(Inject(FromCass(payload, "10.77.0.3", 20002)));
  ASSERT_TRUE(Inject(FromCass(payload, kFirstV4, 20001)));
  RecordingSink sink;
  EXPECT_EQ(transport_->Poll(sink, 16, 0), 2u);
  ASSERT_EQ(sink.got.size(), 2u);
  EXPECT_EQ(sink.got[0].first, 5u);
  EXPECT_EQ(sink.got[1].first, 1u);
  EXPECT_EQ(sink.got[0].second, payload);
  EXPECT_EQ(transport_->stats().rx, 2u);
}

TEST_F(LoadgenDpdkTest, FragmentedAnswerIsReassembled) {
  Open();
  const Bytes payload = Payload(1700, 9);  // a KeyResponse with the CASS certificate
  const Bytes frame = FromCass(payload, "10.77.0.3", 20000);
  const size_t n = dataplane::FragmentCount(frame.size(), false, false, 1500);
  ASSERT_EQ(n, 2u);
  for (size_t i = n; i-- > 0;) {  // last first: order does not matter
    Bytes f(1600);
    f.resize(dataplane::WriteFragment(MutableByteView(f), frame, false, false, 1500, i, 42));
    ASSERT_TRUE(Inject(f));
  }
  RecordingSink sink;
  EXPECT_EQ(transport_->Poll(sink, 16, 0), 1u);
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].first, 3u);
  EXPECT_EQ(sink.got[0].second, payload);
  EXPECT_EQ(transport_->stats().rx_dropped, 0u);
}

TEST_F(LoadgenDpdkTest, ArpRequestForAGeneratorAddressIsAnswered) {
  Open();
  for (const char* target : {"10.77.0.3", "10.77.0.9"}) {  // ours, then nobody's
    Bytes f(64);
    f.resize(
        dataplane::WriteArpRequest(MutableByteView(f), Cass(), *IpAddr::Parse(target), false, 0));
    ASSERT_TRUE(Inject(f));
  }
  RecordingSink sink;
  EXPECT_EQ(transport_->Poll(sink, 16, 0), 0u);
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  ASSERT_EQ(dataplane::ParseFrame(sent[0], &v), FrameVerdict::kArpReply);
  EXPECT_EQ(v.src_ip, *IpAddr::Parse("10.77.0.3"));
  EXPECT_EQ(v.arp_sender_mac, Generator(sent[0]));
  EXPECT_EQ(v.dst_mac, kCassMac);
  EXPECT_EQ(transport_->stats().rx_dropped, 1u) << "the request for 10.77.0.9";
}

TEST_F(LoadgenDpdkTest, FramesForNoFlowAreCountedAsDropped) {
  Open();
  const Bytes payload = Payload(50, 1);
  ASSERT_TRUE(Inject(FromCass(payload, kFirstV4, 20003)));        // past the ports
  ASSERT_TRUE(Inject(FromCass(payload, "10.77.0.4", 20000)));     // past the addresses
  ASSERT_TRUE(Inject(FromCass(payload, kFirstV4, 20000, 4000)));  // not the CASS's port
  Bytes bad = FromCass(payload, kFirstV4, 20000);
  bad.back() ^= 1;  // UDP checksum
  ASSERT_TRUE(Inject(bad));
  RecordingSink sink;
  EXPECT_EQ(transport_->Poll(sink, 16, 0), 0u);
  EXPECT_TRUE(sink.got.empty());
  EXPECT_EQ(transport_->stats().rx_dropped, 4u);
  EXPECT_EQ(transport_->stats().rx, 0u);
}

TEST_F(LoadgenDpdkTest, PollWaitsUpToWaitUsWhenNothingArrives) {
  Open();
  RecordingSink sink;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(transport_->Poll(sink, 16, 5000), 0u);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::microseconds(4500));
  EXPECT_LT(took, std::chrono::seconds(1));
}

}  // namespace
}  // namespace rcas::tools
