// A worker's RX burst: L2-L4 checks on every frame, ARP / ICMP echo / ND answered in place for
// the gateway's own addresses, then the burst's RCAS datagrams through the keyed stage (one
// IPsec-MB burst) and onto the ring to the control thread.

#include <rte_cycles.h>

#include <cstring>

#include "dataplane/dpdk_internal.h"

namespace rcas::dataplane {
namespace {

bool IsLocal(const IpAddr& ip, const LocalAddrs& local) {
  return ip.v6 ? (local.v6 && *local.v6 == ip) : (local.v4 && *local.v4 == ip);
}

bool IsAnswerable(FrameVerdict v) {
  return v == FrameVerdict::kArpRequest || v == FrameVerdict::kArpReply ||
         v == FrameVerdict::kIcmpEchoRequest || v == FrameVerdict::kIcmp6EchoRequest ||
         v == FrameVerdict::kNeighborSolicit || v == FrameVerdict::kNeighborAdvert;
}

// ToControl maps the keyed stage's verdict onto what the engine is told (PreOpened).
bool ToControl(const KeyedOutput& out, MbufMeta& meta) {
  meta.pre_opened = 1;
  meta.session = out.session;
  meta.plain_offset = static_cast<uint16_t>(out.plain_offset);
  meta.plain_len = static_cast<uint16_t>(out.plain_len);
  switch (out.verdict) {
    case KeyedVerdict::kOpened:
    case KeyedVerdict::kContentInvalid:  // authentic: the engine answers 0x81 (PROFILE §14)
      meta.verdict = static_cast<uint8_t>(protocol::ProtectError::kOk);
      return true;
    case KeyedVerdict::kBadMac:
      meta.verdict = static_cast<uint8_t>(protocol::ProtectError::kBadMac);
      meta.plain_len = 0;
      return true;
    case KeyedVerdict::kBadPadding:
      meta.verdict = static_cast<uint8_t>(protocol::ProtectError::kBadPadding);
      return true;
    case KeyedVerdict::kRaw:
      meta.pre_opened = 0;
      meta.plain_len = 0;
      return true;
    default:  // bad frame, unexpected type: counted by the stage, dropped here
      return false;
  }
}

}  // namespace

// NicChecked: the checksums the NIC verified and found good for `m`, where the port has the
// offload; bad or unknown ones are checked again by ParseFrame, which counts the drop.
NicChecksums Worker::NicChecked(const rte_mbuf* m) const {
  const NicChecksums& on = impl.rx_nic;
  NicChecksums good;
  good.ipv4_header =
      on.ipv4_header && (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
  good.udp = on.udp && (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
  return good;
}

void Worker::Receive(rte_mbuf** pkts, uint16_t n) {
  KeyedInput inputs[kBurst];
  KeyedOutput outputs[kBurst];
  rte_mbuf* udp[kBurst];
  uint16_t k = 0;
  const uint64_t now = rte_get_tsc_cycles();
  FrameView v;  // once per burst: ParseFrame resets it for every frame
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    const uint8_t* data = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint16_t len = rte_pktmbuf_data_len(m);
    const NicChecksums nic = NicChecked(m);
    FrameVerdict verdict =
        m->nb_segs == 1 ? ParseFrame(ByteView(data, len), &v, nic) : FrameVerdict::kTooShort;
    ++frames[static_cast<size_t>(verdict)];
    const bool fragment =
        verdict == FrameVerdict::kIpv4Fragment || verdict == FrameVerdict::kIpv6Fragment;
    if (verdict != FrameVerdict::kUdp && !fragment && !IsAnswerable(verdict)) {
      rte_pktmbuf_free(m);
      continue;
    }
    if ((v.vlan ? (v.vlan_tci & 0x0fff) : 0) != impl.options.vlan) {
      Add(DpdkCounter::kRxWrongVlan);
      rte_pktmbuf_free(m);
      continue;
    }
    if (fragment) {
      m = Reassemble(m, v, now);
      if (m == nullptr) {
        continue;
      }
      verdict = ParseFrame(ByteView(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len), &v);
    }
    if (verdict == FrameVerdict::kUdp) {
      if (nic.udp && !fragment) {
        Add(DpdkCounter::kRxNicChecksum);
      }
      if (AcceptUdp(m, v, now, &inputs[k])) {
        udp[k++] = m;
      }
      continue;
    }
    Answer(m, verdict, v, now);
  }
  if (k == 0) {
    return;
  }
  stage.Process(std::span<KeyedInput>(inputs, k), std::span<KeyedOutput>(outputs, k));
  rte_mbuf* ctl[kBurst];
  uint16_t c = 0;
  // A control thread this far behind sheds the first requests (RSA work) before keyed
  // traffic: sessions already keyed finish, new CAMs retry (PROFILE §5.5).
  const bool shed = rte_ring_count(to_control) >= impl.options.shed_first_requests_at;
  for (uint16_t j = 0; j < k; ++j) {
    const bool first = outputs[j].verdict == KeyedVerdict::kRaw &&
                       (outputs[j].type == protocol::MessageType::kKeyRequest ||
                        outputs[j].type == protocol::MessageType::kKeyRegRequest);
    if (shed && first) {
      Add(DpdkCounter::kShedFirstRequests);
      rte_pktmbuf_free(udp[j]);
    } else if (ToControl(outputs[j], Meta(udp[j]))) {
      ctl[c++] = udp[j];
    } else {
      rte_pktmbuf_free(udp[j]);
    }
  }
  if (c == 0) {
    return;
  }
  const unsigned queued =
      rte_ring_sp_enqueue_burst(to_control, reinterpret_cast<void**>(ctl), c, nullptr);
  if (queued < c) {
    events[static_cast<size_t>(DpdkCounter::kControlRingFull)] += c - queued;
    rte_pktmbuf_free_bulk(ctl + queued, c - queued);
  }
  if (queued > 0) {
    events[static_cast<size_t>(DpdkCounter::kToControl)] += queued;
    impl.Notify();
  }
}

// AcceptUdp takes a datagram to our address and RCAS port into the keyed stage's burst.
bool Worker::AcceptUdp(rte_mbuf* m, const FrameView& v, uint64_t now, KeyedInput* in) {
  const LocalAddrs& local = impl.local;
  DpdkCounter drop = DpdkCounter::kRxPackets;
  if (v.dst_mac != local.mac) {
    drop = DpdkCounter::kRxNotOurMac;
  } else if (!IsLocal(v.dst_ip, local)) {
    drop = DpdkCounter::kRxNotOurIp;
  } else if (v.dst_port != impl.options.udp_port) {
    drop = DpdkCounter::kRxWrongPort;
  }
  if (drop != DpdkCounter::kRxPackets) {
    Add(drop);
    rte_pktmbuf_free(m);
    return false;
  }
  Learn(v.src_ip, v.src_mac, now);
  MbufMeta& meta = Meta(m);
  meta = MbufMeta{};
  meta.payload_offset = v.payload_offset;
  meta.payload_len = v.payload_len;
  meta.worker = static_cast<uint8_t>(index);
  meta.peer = v.src_ip;
  meta.peer_port = v.src_port;
  *in = KeyedInput{rte_pktmbuf_mtod(m, uint8_t*) + v.payload_offset, v.payload_len,
                   FlowKeyOf(v.src_ip, v.src_port)};
  return true;
}

// Reassemble adds a fragment for one of our addresses to the worker's reassembler (PROFILE §5.4
// accepts IP fragmentation) and frees it; a completed datagram comes back as a whole frame in a
// new mbuf (the big pool when it does not fit a normal one), else null.
rte_mbuf* Worker::Reassemble(rte_mbuf* m, const FrameView& v, uint64_t now) {
  if (v.dst_mac != impl.local.mac || !IsLocal(v.dst_ip, impl.local)) {
    Add(v.dst_mac != impl.local.mac ? DpdkCounter::kRxNotOurMac : DpdkCounter::kRxNotOurIp);
    rte_pktmbuf_free(m);
    return nullptr;
  }
  const uint64_t now_ms = now / tsc_per_ms;
  reassembler.Expire(now_ms);
  const ReassemblyResult r = reassembler.Add(
      ByteView(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m)), v, now_ms);
  rte_pktmbuf_free(m);  // Add copied it
  if (r.verdict != ReassemblyVerdict::kComplete) {
    return nullptr;
  }
  const bool big = r.frame.size() > RTE_MBUF_DEFAULT_DATAROOM;
  rte_mbuf* whole = rte_pktmbuf_alloc(big ? impl.big_pool : impl.pool);
  auto* data = whole == nullptr ? nullptr
                                : reinterpret_cast<uint8_t*>(rte_pktmbuf_append(
                                      whole, static_cast<uint16_t>(r.frame.size())));
  if (data == nullptr) {
    rte_pktmbuf_free(whole);
    Add(DpdkCounter::kRxNoBuffer);
    return nullptr;
  }
  std::memcpy(data, r.frame.data(), r.frame.size());
  Add(DpdkCounter::kRxReassembled);
  return whole;
}

// Answer turns an ARP request, echo request or neighbor solicitation for one of our addresses
// into its reply in place and queues it; everything else has been counted and is freed.
void Worker::Answer(rte_mbuf* m, FrameVerdict verdict, const FrameView& v, uint64_t now) {
  const LocalAddrs& local = impl.local;
  uint8_t* data = rte_pktmbuf_mtod(m, uint8_t*);
  const MutableByteView buf(data, rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m));
  size_t reply = 0;
  DpdkCounter answered = DpdkCounter::kArpAnswered;
  switch (verdict) {
    case FrameVerdict::kArpRequest:
      Learn(v.src_ip, v.arp_sender_mac, now);
      reply = AnswerArp(buf, v, local);
      break;
    case FrameVerdict::kArpReply:
      Learn(v.src_ip, v.arp_sender_mac, now);
      break;
    case FrameVerdict::kNeighborAdvert:
      if (v.has_lladdr) {
        Learn(v.nd_target, v.arp_sender_mac, now);
      }
      break;
    case FrameVerdict::kIcmpEchoRequest:
      reply = AnswerIcmpEcho(buf, v, local);
      answered = DpdkCounter::kIcmpAnswered;
      break;
    case FrameVerdict::kIcmp6EchoRequest:
      reply = AnswerIcmp6Echo(buf, v, local);
      answered = DpdkCounter::kIcmp6Answered;
      break;
    case FrameVerdict::kNeighborSolicit:
      if (v.has_lladdr && !v.src_ip.IsUnspecified()) {
        Learn(v.src_ip, v.arp_sender_mac, now);
      }
      reply = AnswerNeighborSolicit(buf, v, local);
      answered = DpdkCounter::kNdAnswered;
      break;
    default:
      break;
  }
  if (reply == 0) {
    rte_pktmbuf_free(m);
    return;
  }
  Add(answered);
  m->data_len = static_cast<uint16_t>(reply);
  m->pkt_len = static_cast<uint32_t>(reply);
  m->ol_flags = 0;
  Transmit(m);
}

void Worker::Learn(const IpAddr& ip, const MacAddr& mac, uint64_t now) {
  const size_t before = neighbors.size();
  neighbors.Learn(ip, mac, now);
  if (neighbors.size() > before) {
    Add(DpdkCounter::kNeighborsLearned);
  }
}

}  // namespace rcas::dataplane
