#include "tests/dpdk/dpdk_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <rte_ethdev.h>
#include <unistd.h>

#include <cstring>

namespace rcas::dataplane::testing {

int DpdkPortTest::next_ = 0;

DpdkOptions TestOptions() {
  DpdkOptions o;
  o.address = kGatewayV4;
  o.address6 = kGatewayV6;
  o.workers = 0;
  o.mbufs = 2047;
  o.flows = 256;
  o.tx_drain_us = 0;  // every turn sends what it has: the test reads frames right away
  return o;
}

void DpdkPortTest::SetUp() { Open(TestOptions()); }

void DpdkPortTest::Open(DpdkOptions options) {
  const std::string id = std::to_string(getpid()) + "_" + std::to_string(next_++);
  queues_ = options.poll_queues;
  ASSERT_TRUE(queues_ >= 1 && queues_ <= kMaxQueues);
  for (unsigned q = 0; q < queues_; ++q) {
    const std::string qid = id + "_" + std::to_string(q);
    constexpr unsigned kFlags = RING_F_SP_ENQ | RING_F_SC_DEQ;
    rx_[q] = rte_ring_create(("trx" + qid).c_str(), 1024, SOCKET_ID_ANY, kFlags);
    tx_[q] = rte_ring_create(("ttx" + qid).c_str(), 1024, SOCKET_ID_ANY, kFlags);
    ASSERT_NE(rx_[q], nullptr);
    ASSERT_NE(tx_[q], nullptr);
  }
  pool_ = rte_pktmbuf_pool_create(("tpool" + id).c_str(), 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                  SOCKET_ID_ANY);
  ASSERT_NE(pool_, nullptr);
  const int port_id = rte_eth_from_rings(("t" + id).c_str(), rx_.data(), queues_, tx_.data(),
                                         queues_, SOCKET_ID_ANY);
  ASSERT_GE(port_id, 0);
  char name[RTE_ETH_NAME_MAX_LEN];
  ASSERT_EQ(rte_eth_dev_get_name_by_port(static_cast<uint16_t>(port_id), name), 0);
  options.device = name;
  auto t = DpdkTransport::Open(options);
  ASSERT_TRUE(t.ok()) << t.error();
  transport_ = std::move(*t);
  ASSERT_TRUE(transport_->Start().ok());
  rte_ether_addr mac{};
  rte_eth_macaddr_get(static_cast<uint16_t>(port_id), &mac);
  std::copy(mac.addr_bytes, mac.addr_bytes + 6, gateway_mac_.begin());
}

void DpdkPortTest::TearDown() {
  if (transport_) {
    transport_->Stop();
  }
  // Before the transport's pool goes: the rings hold frames of both pools.
  for (unsigned q = 0; q < queues_; ++q) {
    for (rte_ring* r : {rx_[q], tx_[q]}) {
      void* m = nullptr;
      while (r != nullptr && rte_ring_dequeue(r, &m) == 0) {
        rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
      }
    }
  }
  transport_.reset();
  if (pool_ != nullptr) {
    EXPECT_EQ(rte_mempool_in_use_count(pool_), 0u) << "the transport leaked test mbufs";
  }
  rte_mempool_free(pool_);
  for (unsigned q = 0; q < queues_; ++q) {
    rte_ring_free(rx_[q]);
    rte_ring_free(tx_[q]);
    rx_[q] = tx_[q] = nullptr;
  }
}

void DpdkPortTest::Inject(ByteView frame, unsigned queue) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  ASSERT_NE(m, nullptr);
  auto* data =
      reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())));
  ASSERT_NE(data, nullptr);
  std::memcpy(data, frame.data(), frame.size());
  ASSERT_LT(queue, queues_);
  ASSERT_EQ(rte_ring_enqueue(rx_[queue], m), 0);
}

void DpdkPortTest::Turn(int times) {
  for (int i = 0; i < times; ++i) {
    transport_->PollWorkers();
  }
}

std::vector<Bytes> DpdkPortTest::Sent(unsigned queue) {
  std::vector<Bytes> out;
  void* obj = nullptr;
  while (queue < queues_ && rte_ring_dequeue(tx_[queue], &obj) == 0) {
    auto* m = static_cast<rte_mbuf*>(obj);
    EXPECT_EQ(m->nb_segs, 1);
    const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
    out.emplace_back(d, d + rte_pktmbuf_data_len(m));
    rte_pktmbuf_free(m);
  }
  return out;
}

std::vector<DpdkMessage> DpdkPortTest::Messages() {
  std::vector<DpdkMessage> out;
  transport_->Drain([&](const DpdkMessage& m) {
    DpdkMessage copy = m;
    message_copies_.emplace_back(m.message.begin(), m.message.end());
    const Bytes& kept = message_copies_.back();
    copy.message = ByteView(kept);
    const size_t offset = m.content.empty() ? 0 : m.content.data() - m.message.data();
    copy.content = ByteView(kept).subspan(offset, m.content.size());
    out.push_back(copy);
  });
  return out;
}

Bytes DpdkPortTest::UdpFrame(ByteView payload, bool v6, uint16_t dst_port) const {
  UdpRoute r;
  r.src_mac = kCamMac;
  r.dst_mac = gateway_mac_;
  r.src_ip = *IpAddr::Parse(v6 ? kCamV6 : kCamV4);
  r.dst_ip = *IpAddr::Parse(v6 ? kGatewayV6 : kGatewayV4);
  r.src_port = kCamPort;
  r.dst_port = dst_port;
  const size_t headers = UdpHeadersLen(v6, false);
  Bytes frame(headers + payload.size());
  std::copy(payload.begin(), payload.end(), frame.begin() + headers);
  frame.resize(WriteUdpHeaders(MutableByteView(frame), r, payload.size()));
  return frame;
}

control::PeerRef DpdkPortTest::CamPeer(bool v6) const {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(kCamPort);
    inet_pton(AF_INET6, kCamV6, &a->sin6_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(kCamPort);
    inet_pton(AF_INET, kCamV4, &a->sin_addr);
    len = sizeof *a;
  }
  control::PeerRef p = control::PeerRef::Udp(reinterpret_cast<const sockaddr*>(&ss), len);
  p.connection = kDpdkPeerTag;  // worker 0
  return p;
}

}  // namespace rcas::dataplane::testing
