#include "perf/dpdk/bench_port.h"

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "crypto/burst.h"
#include "dataplane/dpdk_internal.h"
#include "perf/common/synthetic_cam.h"
#include "protocol/content.h"
#include "protocol/header.h"
#include "protocol/protect.h"

namespace rcas::dataplane::bench {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "dpdk_bench setup: %s\n", what);
    std::abort();
  }
}

std::unique_ptr<BenchPort>& PortSlot() {
  static std::unique_ptr<BenchPort> port;
  return port;
}

IpAddr CamIp(size_t s) {
  IpAddr ip;
  StoreBe32(ip.b.data(), 0x0a4e0001u + static_cast<uint32_t>(s));  // 10.78.0.1 and on
  return ip;
}

MacAddr CamMac(size_t s) {
  return {0x02, 0x00, 0x00, 0x4e, static_cast<uint8_t>(s >> 8), static_cast<uint8_t>(s)};
}

// KeysOf is flow s's fast-mode session (PROFILE §12.1): MAK, MEK and MEK-IV from the perf
// data generator, seeded by the flow.
protocol::SessionKeys KeysOf(size_t s) {
  crypto::AesKey mak, mek;
  protocol::SecretBlock mek_iv;
  uint64_t x = s;
  perf::Fill(mak.mutable_view(), x);
  perf::Fill(mek.mutable_view(), x);
  perf::Fill(mek_iv.mutable_view(), x);
  return protocol::SessionKeys::Fast(mak, mek, mek_iv);
}

// LogResponseDer is a LogResponse content of exactly `size` DER octets: the longest info that
// fits (the length octets grow at 128 and 256).
Bytes LogResponseDer(size_t size) {
  static constexpr uint8_t kSid[protocol::kSessionIdLen] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const Bytes info(size, 0x6c);
  Bytes out;
  size_t n = size;
  while (n > 0 && protocol::EncodedLength(protocol::LogResponseContent{
                      ByteView(kSid), ByteView(info).first(n)}) != size) {
    --n;
  }
  Require(n > 0 && protocol::Encode(
                       protocol::LogResponseContent{ByteView(kSid), ByteView(info).first(n)}, &out),
          "LogResponse content");
  return out;
}

std::unique_ptr<BenchPort> MakePort() {
  auto p = std::make_unique<BenchPort>();
  p->rx = rte_ring_create("bench_rx", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
  p->tx = rte_ring_create("bench_tx", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
  Require(p->rx != nullptr && p->tx != nullptr, "rings");
  constexpr uint16_t kPriv = RTE_ALIGN(sizeof(MbufMeta), RTE_MBUF_PRIV_ALIGN);
  p->pool = rte_pktmbuf_pool_create("bench_pool", 2047, 256, kPriv, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    SOCKET_ID_ANY);
  Require(p->pool != nullptr, "mbuf pool");
  const int port_id = rte_eth_from_rings("bench", &p->rx, 1, &p->tx, 1, SOCKET_ID_ANY);
  Require(port_id >= 0, "net_ring port");
  char name[RTE_ETH_NAME_MAX_LEN];
  Require(rte_eth_dev_get_name_by_port(static_cast<uint16_t>(port_id), name) == 0, "port name");
  DpdkOptions o;
  o.device = name;
  o.address = "10.77.0.1";
  o.workers = 0;
  o.flows = kFlows;
  o.tx_drain_us = 0;  // every turn sends what it has: one round trip per iteration
  auto t = DpdkTransport::Open(o);
  Require(t.ok(), "DpdkTransport::Open");
  p->transport = std::move(*t);
  Require(p->transport->Start().ok(), "DpdkTransport::Start");
  rte_ether_addr mac{};
  rte_eth_macaddr_get(static_cast<uint16_t>(port_id), &mac);
  std::copy(mac.addr_bytes, mac.addr_bytes + 6, p->mac.begin());
  for (size_t s = 0; s < kFlows; ++s) {
    p->keys.push_back(std::make_unique<protocol::FlowKeys>());
    Require(protocol::MakeFlowKeys(KeysOf(s), p->keys.back().get()).ok(), "MakeFlowKeys");
    p->transport->InstallKeys(PeerOf(CamIp(s), CamPort(s), 0), s + 1, *p->keys.back());
    if (s % 1024 == 1023) {  // the command ring holds kRingSize - 1
      p->transport->PollWorkers();
    }
  }
  p->transport->PollWorkers();
  Require(p->transport->stats()[DpdkCounter::kFlowsInstalled] == kFlows, "flows installed");
  return p;
}

Messages MakeMessages(const BenchPort& port, size_t content) {
  Messages m;
  m.content = content;
  m.sealed = crypto::SealedSize(content, true);
  m.headers = UdpHeadersLen(false, false);
  m.frame_len = m.headers + m.sealed;
  m.frames.resize(kFlows * m.frame_len);
  const Bytes der = LogResponseDer(content);
  const protocol::Protection& kind = protocol::ProtectionOf(protocol::MessageType::kLogResponse);
  for (size_t s = 0; s < kFlows; ++s) {
    uint8_t* f = m.frames.data() + s * m.frame_len;
    const protocol::SessionKeys keys = KeysOf(s);
    size_t written = 0;
    Require(
        protocol::Seal(kind, s + 1, der, {nullptr, &keys}, MutableByteView(f + m.headers, m.sealed),
                       &written) == protocol::ProtectError::kOk &&
            written == m.sealed,
        "Seal");
    UdpRoute r;
    r.src_mac = CamMac(s);
    r.dst_mac = port.mac;
    r.src_ip = CamIp(s);
    r.dst_ip = *IpAddr::Parse("10.77.0.1");
    r.src_port = CamPort(s);
    r.dst_port = 49104;
    Require(WriteUdpHeaders(MutableByteView(f, m.frame_len), r, m.sealed) == m.frame_len,
            "WriteUdpHeaders");
  }
  m.reply.resize(protocol::kHeaderLen + content);
  protocol::WriteHeader(
      protocol::MakeHeader(protocol::MessageType::kLogRequest, crypto::PaddedSize(content), 1),
      m.reply.data());
  std::memcpy(m.reply.data() + protocol::kHeaderLen, der.data(), der.size());
  return m;
}

}  // namespace

BenchPort::~BenchPort() {
  if (transport) {
    transport->Stop();
  }
  for (rte_ring* r : {rx, tx}) {  // before the transport's pool goes: frames of both pools
    void* m = nullptr;
    while (r != nullptr && rte_ring_dequeue(r, &m) == 0) {
      rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
  }
  transport.reset();
  rte_mempool_free(pool);
  rte_ring_free(rx);
  rte_ring_free(tx);
}

BenchPort& Port() {
  auto& port = PortSlot();
  if (!port) {
    port = MakePort();
  }
  return *port;
}

const Messages& MessagesFor(size_t content) {
  static std::map<size_t, Messages> all;
  auto it = all.find(content);
  if (it == all.end()) {
    it = all.emplace(content, MakeMessages(Port(), content)).first;
  }
  return it->second;
}

void ReleasePort() { PortSlot().reset(); }

}  // namespace rcas::dataplane::bench
