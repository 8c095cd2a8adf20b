// rcas-loadgen's DPDK transport against the gateway's own DpdkTransport, two net_ring ports
// wired back to back (one's TX ring is the other's RX ring) and the gateway's worker on a real
// lcore: the generator resolves the gateway by ARP, the gateway answers ARP for the generator's
// address, and a long answer crosses as IPv4 fragments both ends cut and join with their own code.
// net_ring ports have no MAC (all zero): the generator takes a random one, else the gateway would
// hold it unresolved and never answer (the first run of this test caught that).

#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <chrono>
#include <numeric>
#include <thread>
#include <utility>
#include <vector>

#include "dataplane/dpdk_transport.h"
#include "protocol/header.h"
#include "protocol/message_type.h"
#include "tests/dpdk/dpdk_fixture.h"
#include "tools/loadgen_transport.h"

namespace rcas::tools {
namespace {

// Message is a well-framed RCAS message of `type` (the gateway checks no more before control).
Bytes Message(protocol::MessageType type, size_t content_len) {
  Bytes m(protocol::kHeaderLen + content_len + protocol::TrailerLen(type));
  std::iota(m.begin(), m.end(), uint8_t{5});
  protocol::WriteHeader(protocol::MakeHeader(type, content_len, 5), m.data());
  return m;
}

struct RecordingSink : LoadSink {
  void OnDatagram(uint32_t flow, ByteView datagram) override {
    got.emplace_back(flow, Bytes(datagram.begin(), datagram.end()));
  }
  std::vector<std::pair<uint32_t, Bytes>> got;
};

// Port makes a net_ring port reading `rx` and writing `tx` and returns its name.
std::string Port(const std::string& name, rte_ring* rx, rte_ring* tx) {
  const int id = rte_eth_from_rings(name.c_str(), &rx, 1, &tx, 1, SOCKET_ID_ANY);
  char out[RTE_ETH_NAME_MAX_LEN] = {};
  if (id < 0 || rte_eth_dev_get_name_by_port(static_cast<uint16_t>(id), out) != 0) {
    return "";
  }
  return out;
}

class LoadgenDpdkGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int next = 0;  // vdev names outlive their ports: one per run (--gtest_repeat)
    const std::string id = std::to_string(getpid()) + "_" + std::to_string(next++);
    to_gateway_ = rte_ring_create(("lg2gw" + id).c_str(), 1024, SOCKET_ID_ANY, 0);
    to_loadgen_ = rte_ring_create(("gw2lg" + id).c_str(), 1024, SOCKET_ID_ANY, 0);
    ASSERT_TRUE(to_gateway_ != nullptr && to_loadgen_ != nullptr);
    gateway_options_ = dataplane::testing::TestOptions();  // 10.77.0.1
    gateway_options_.device = Port("b2b_gw" + id, to_gateway_, to_loadgen_);
    gateway_options_.workers = 1;  // a real lcore (EAL -l 0-1): the generator's ARP blocks
    gateway_options_.tx_drain_us = 100;
    gateway_options_.idle_sleep_us = 100;  // shared test machine
    auto g = dataplane::DpdkTransport::Open(gateway_options_);
    ASSERT_TRUE(g.ok()) << g.error();
    gateway_ = std::move(*g);
    ASSERT_TRUE(gateway_->Start().ok());
    loadgen_options_.device = Port("b2b_lg" + id, to_loadgen_, to_gateway_);
  }

  void TearDown() override {
    if (gateway_) {
      gateway_->Stop();
    }
    FreeFrames(to_gateway_);  // while both pools are there
    FreeFrames(to_loadgen_);
    loadgen_.reset();
    gateway_.reset();
    rte_ring_free(to_gateway_);
    rte_ring_free(to_loadgen_);
  }

  static void FreeFrames(rte_ring* r) {
    void* m = nullptr;
    while (r != nullptr && rte_ring_dequeue(r, &m) == 0) {
      rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
  }

  rte_ring* to_gateway_ = nullptr;
  rte_ring* to_loadgen_ = nullptr;
  dataplane::DpdkOptions gateway_options_;
  DpdkTransportOptions loadgen_options_;
  std::unique_ptr<dataplane::DpdkTransport> gateway_;
  std::unique_ptr<LoadTransport> loadgen_;
};

TEST_F(LoadgenDpdkGatewayTest, KeyRequestAndFragmentedAnswerCrossBackToBackPorts) {
  DpdkTransportOptions& o = loadgen_options_;
  o.first_address = "10.77.0.2";
  o.addresses = 2;
  o.ports_per_address = 3;
  o.cass_address = gateway_options_.address;
  o.cass_port = gateway_options_.udp_port;
  o.mbufs = 1023;
  auto opened = OpenDpdkTransport(o);  // cass_mac empty: ARP
  ASSERT_TRUE(opened.ok()) << opened.error();
  loadgen_ = std::move(*opened);

  const Bytes request = Message(protocol::MessageType::kKeyRequest, 64);
  ASSERT_TRUE(loadgen_->Send(4, request));  // 10.77.0.3:20001
  loadgen_->Flush();
  std::vector<control::PeerRef> peers;
  Bytes seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (peers.empty() && std::chrono::steady_clock::now() < deadline) {
    gateway_->Drain([&](const dataplane::DpdkMessage& m) {
      peers.push_back(m.peer);
      seen.assign(m.message.begin(), m.message.end());
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(seen, request);

  // The gateway resolves 10.77.0.3 (the generator answers in Poll) and cuts its answer.
  const Bytes answer = Message(protocol::MessageType::kKeyResponse, 1700);
  ASSERT_TRUE(gateway_->Send({peers[0], answer}));
  RecordingSink sink;
  while (sink.got.empty() && std::chrono::steady_clock::now() < deadline) {
    loadgen_->Poll(sink, 16, 1000);
  }
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].first, 4u);
  EXPECT_EQ(sink.got[0].second, answer);
  EXPECT_EQ(loadgen_->stats().rx, 1u);
  EXPECT_EQ(loadgen_->stats().tx, 1u);
  EXPECT_EQ(gateway_->stats()[dataplane::DpdkCounter::kTxFragments], 2u);
}

}  // namespace
}  // namespace rcas::tools
