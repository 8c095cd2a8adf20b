// A worker's TX side: the control thread's messages get their Ethernet/IP/UDP headers here, to
// the next hop the worker learnt from the CAM's own frames (or a multicast MAC); an unknown
// next hop gets an ARP request or neighbor solicitation and the message is dropped (counted).

#include <rte_cycles.h>
#include <rte_pcapng.h>

#include "dataplane/dpdk_internal.h"
#include "dataplane/ip_fragment.h"

namespace rcas::dataplane {

bool Worker::BuildAnswer(rte_mbuf* m) {
  const MbufMeta& meta = Meta(m);
  const LocalAddrs& local = impl.local;
  const IpAddr& dst = meta.peer;
  const std::optional<IpAddr>& src = dst.v6 ? local.v6 : local.v4;
  const bool vlan = impl.options.vlan != 0;
  UdpRoute route;
  if (!src) {
    Add(DpdkCounter::kTxNoAddress);
  } else if (dst.IsMulticast()) {
    route.dst_mac = MulticastMac(dst);
    route.ttl = impl.options.multicast_ttl;
  } else if (const MacAddr* mac = neighbors.Find(dst); mac != nullptr) {
    route.dst_mac = *mac;
  } else {
    Add(DpdkCounter::kTxNoNeighbor);
    Resolve(dst);
  }
  if (route.dst_mac == MacAddr{}) {  // no source address or no next hop: counted above
    rte_pktmbuf_free(m);
    return false;
  }
  const size_t payload = rte_pktmbuf_data_len(m);
  const size_t headers = UdpHeadersLen(dst.v6, vlan);
  auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, static_cast<uint16_t>(headers)));
  if (frame == nullptr) {
    Add(DpdkCounter::kTxTooBig);
    rte_pktmbuf_free(m);
    return false;
  }
  route.src_mac = local.mac;
  route.vlan = vlan;
  route.vlan_tci = impl.options.vlan;
  route.src_ip = *src;
  route.dst_ip = dst;
  route.src_port = impl.options.udp_port;
  route.dst_port = meta.peer_port;
  const size_t fragments = FragmentCount(headers + payload, dst.v6, vlan, impl.mtu);
  // Fragments carry the checksum of the whole datagram: only a datagram sent whole is left to
  // the NIC.
  const NicChecksums nic = fragments == 1 ? impl.tx_nic : NicChecksums{};
  const size_t len =
      WriteUdpHeaders(MutableByteView(frame, headers + payload), route, payload, nic);
  if (len == 0) {
    Add(DpdkCounter::kTxTooBig);
    rte_pktmbuf_free(m);
    return false;
  }
  if (meta.announce != 0) {
    Add(DpdkCounter::kAnnounceTx);
  }
  m->data_len = static_cast<uint16_t>(len);
  m->pkt_len = static_cast<uint32_t>(len);
  if (fragments == 1) {
    SetTxOffloads(m, nic, dst.v6, vlan);
    return true;
  }
  if (fragments == 0) {
    Add(DpdkCounter::kTxTooBig);
  } else {
    Fragment(ByteView(frame, len), dst.v6, fragments);
  }
  rte_pktmbuf_free(m);
  return false;
}

// SetTxOffloads asks the NIC for the checksums WriteUdpHeaders left to it.
void Worker::SetTxOffloads(rte_mbuf* m, const NicChecksums& nic, bool v6, bool vlan) {
  if (!nic.udp && !nic.ipv4_header) {
    return;
  }
  m->l2_len = vlan ? 18 : 14;
  m->l3_len = v6 ? 40 : 20;
  m->ol_flags |= v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4;
  if (!v6 && nic.ipv4_header) {
    m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
  }
  if (nic.udp) {
    m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
    Add(DpdkCounter::kTxNicChecksum);
  }
}

// Fragment sends a frame longer than the MTU as IP fragments (PROFILE §5.4 accepts them), each
// in an mbuf of the normal pool. Each worker counts its own ids, interleaved with the others'
// (worker i of n: i, i + n, ...): workers sending to one address must not reuse an id, or the
// peer's reassembly would mix their fragments.
void Worker::Fragment(ByteView frame, bool v6, size_t count) {
  const bool vlan = impl.options.vlan != 0;
  const uint32_t id = next_fragment_id++ * static_cast<uint32_t>(impl.workers.size()) + index;
  for (size_t i = 0; i < count; ++i) {
    rte_mbuf* f = rte_pktmbuf_alloc(impl.pool);
    if (f == nullptr) {
      Add(DpdkCounter::kTxTooBig);  // the datagram is lost whole: the peer retransmits (§5.5)
      return;
    }
    const MutableByteView out(rte_pktmbuf_mtod(f, uint8_t*), rte_pktmbuf_tailroom(f));
    const size_t len = WriteFragment(out, frame, v6, vlan, impl.mtu, i, id);
    if (len == 0) {
      rte_pktmbuf_free(f);
      Add(DpdkCounter::kTxTooBig);
      return;
    }
    f->data_len = static_cast<uint16_t>(len);
    f->pkt_len = static_cast<uint32_t>(len);
    Add(DpdkCounter::kTxFragments);
    Transmit(f);
  }
}

void Worker::Resolve(const IpAddr& next_hop) {
  rte_mbuf* m = rte_pktmbuf_alloc(impl.pool);
  if (m == nullptr) {
    return;
  }
  const uint16_t room = static_cast<uint16_t>(rte_pktmbuf_tailroom(m));
  auto* data = rte_pktmbuf_mtod(m, uint8_t*);
  const MutableByteView buf(data, room);
  const bool vlan = impl.options.vlan != 0;
  const size_t len = next_hop.v6
                         ? WriteNeighborSolicit(buf, impl.local, next_hop, vlan, impl.options.vlan)
                         : WriteArpRequest(buf, impl.local, next_hop, vlan, impl.options.vlan);
  if (len == 0) {
    rte_pktmbuf_free(m);
    return;
  }
  m->data_len = static_cast<uint16_t>(len);
  m->pkt_len = static_cast<uint32_t>(len);
  Add(DpdkCounter::kResolutionsSent);
  Transmit(m);
}

// Capture copies frames for the pcapng file while a capture runs; the control thread writes.
void Worker::Capture(rte_mbuf* const* pkts, uint16_t n, bool rx) {
  if (!impl.capture_on.load(std::memory_order_acquire)) {
    return;
  }
  const uint64_t now = rte_get_tsc_cycles();
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* copy = rte_pcapng_copy(impl.port, queue, pkts[i], impl.capture_pool, UINT32_MAX, now,
                                     rx ? RTE_PCAPNG_DIRECTION_IN : RTE_PCAPNG_DIRECTION_OUT);
    if (copy == nullptr || rte_ring_sp_enqueue(capture, copy) != 0) {
      rte_pktmbuf_free(copy);
      Add(DpdkCounter::kCaptureDropped);
    }
  }
}

}  // namespace rcas::dataplane
