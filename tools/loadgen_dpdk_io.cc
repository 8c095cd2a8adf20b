// The DPDK LoadTransport's frames (loadgen_dpdk_internal.h): Send builds Ethernet/IPv4/UDP
// frames (IPv4 fragments past the MTU) from the flow's source, Flush sends them in bursts, Poll
// answers ARP for our addresses, reassembles the CASS's fragments and hands its datagrams to
// the sink by flow.

#include <rte_cycles.h>
#include <rte_pause.h>

#include <algorithm>
#include <cstring>

#include "dataplane/ip_fragment.h"
#include "tools/loadgen_dpdk_internal.h"

namespace rcas::tools {
namespace {

using dataplane::FrameVerdict;
using dataplane::FrameView;
using dataplane::IpAddr;

constexpr int kTxRetries = 16;   // TX bursts tried per Flush before the rest is dropped
constexpr int kPollBursts = 64;  // RX bursts read per Poll at most

}  // namespace

bool DpdkLoadTransport::Send(uint32_t flow, ByteView datagram) {
  if (flow >= flows_ || datagram.size() > kMaxDatagram) {
    ++stats_.tx_dropped;
    return false;
  }
  route_.src_ip = IpAddr::V4(first_ip_ + flow / options_.ports_per_address);
  route_.src_port = static_cast<uint16_t>(options_.first_port + flow % options_.ports_per_address);
  if (kHeaders - 14 + datagram.size() > mtu_) {
    return SendFragments(datagram);
  }
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) {
    ++stats_.tx_dropped;
    return false;
  }
  uint8_t* data = rte_pktmbuf_mtod(m, uint8_t*);
  std::memcpy(data + kHeaders, datagram.data(), datagram.size());
  const size_t len = dataplane::WriteUdpHeaders(MutableByteView(data, rte_pktmbuf_tailroom(m)),
                                                route_, datagram.size());
  m->data_len = static_cast<uint16_t>(len);
  m->pkt_len = static_cast<uint32_t>(len);
  Queue(m, true);
  return true;
}

// SendFragments builds the whole frame in scratch_ and queues its IPv4 fragments (PROFILE §5.4
// accepts them), each with the next IP id.
bool DpdkLoadTransport::SendFragments(ByteView datagram) {
  std::memcpy(scratch_.data() + kHeaders, datagram.data(), datagram.size());
  const size_t len = dataplane::WriteUdpHeaders(MutableByteView(scratch_), route_, datagram.size());
  const ByteView frame(scratch_.data(), len);
  const size_t count = dataplane::FragmentCount(len, false, false, mtu_);
  if (count == 0 || count > kTxQueue) {
    ++stats_.tx_dropped;
    return false;
  }
  if (tx_queue_.size() + count > kTxQueue) {
    Flush();
  }
  const uint16_t id = next_ip_id_++;
  const size_t first = tx_queue_.size();
  for (size_t i = 0; i < count; ++i) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    const size_t n =
        m == nullptr ? 0
                     : dataplane::WriteFragment(
                           MutableByteView(rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_tailroom(m)),
                           frame, false, false, mtu_, i, id);
    if (n == 0) {  // the pool ran dry: none of this datagram leaves
      rte_pktmbuf_free(m);
      rte_pktmbuf_free_bulk(tx_queue_.data() + first, static_cast<unsigned>(i));
      tx_queue_.resize(first);
      ends_datagram_.resize(first);
      ++stats_.tx_dropped;
      return false;
    }
    m->data_len = static_cast<uint16_t>(n);
    m->pkt_len = static_cast<uint32_t>(n);
    Queue(m, i + 1 == count);
  }
  return true;
}

void DpdkLoadTransport::Queue(rte_mbuf* m, bool ends_datagram) {
  if (tx_queue_.size() == kTxQueue) {
    Flush();
  }
  tx_queue_.push_back(m);
  ends_datagram_.push_back(ends_datagram ? 1 : 0);
}

// Flush sends the queue in order, so what the port refused is a tail: a datagram counts as
// sent when its last frame left, as dropped when that frame is in the refused tail.
void DpdkLoadTransport::Flush() {
  const size_t total = tx_queue_.size();
  size_t sent = 0;
  for (int tries = 0; sent < total && tries < kTxRetries; ++tries) {
    sent +=
        rte_eth_tx_burst(port_, 0, tx_queue_.data() + sent, static_cast<uint16_t>(total - sent));
  }
  for (size_t i = 0; i < total; ++i) {
    (i < sent ? stats_.tx : stats_.tx_dropped) += ends_datagram_[i];
  }
  rte_pktmbuf_free_bulk(tx_queue_.data() + sent, static_cast<unsigned>(total - sent));
  tx_queue_.clear();
  ends_datagram_.clear();
}

// Poll reads bursts until `max` datagrams, an empty RX queue after the first datagram, the
// end of wait_us, or kPollBursts bursts of frames (a flood of frames for nobody ends it too).
size_t DpdkLoadTransport::Poll(LoadSink& sink, size_t max, int wait_us) {
  reassembler_.Expire(NowMs());
  const uint64_t deadline =
      rte_get_tsc_cycles() + tsc_hz_ / 1'000'000 * static_cast<uint64_t>(std::max(wait_us, 0));
  size_t got = 0;
  int bursts = 0;
  while (got < max && bursts < kPollBursts) {
    if (ReceiveBurst(&sink, max - got, &got) > 0) {
      ++bursts;
      continue;
    }
    if (got > 0 || rte_get_tsc_cycles() >= deadline) {
      break;
    }
    rte_pause();  // poll mode: the generator owns its core
  }
  if (!tx_queue_.empty()) {
    Flush();  // ARP answers, with whatever Send queued
  }
  return got;
}

uint16_t DpdkLoadTransport::ReceiveBurst(LoadSink* sink, size_t max, size_t* delivered) {
  rte_mbuf* burst[kBurst];
  const uint16_t n =
      rte_eth_rx_burst(port_, 0, burst, static_cast<uint16_t>(std::min<size_t>(kBurst, max)));
  for (uint16_t i = 0; i < n; ++i) {
    *delivered += Handle(burst[i], sink) ? 1 : 0;
  }
  return n;
}

// Handle takes one received frame: it frees it, or reuses it for an ARP answer.
bool DpdkLoadTransport::Handle(rte_mbuf* m, LoadSink* sink) {
  const MutableByteView frame(rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_data_len(m));
  FrameView v;
  const FrameVerdict verdict =
      m->nb_segs == 1 ? dataplane::ParseFrame(frame, &v) : FrameVerdict::kTooShort;
  bool delivered = false;
  bool consumed = false;  // taken without being a datagram for the sink: no drop
  if (verdict == FrameVerdict::kUdp) {
    delivered = Deliver(frame, v, sink);
  } else if (verdict == FrameVerdict::kArpRequest) {
    if (LoadBe32(v.dst_ip.b.data()) - first_ip_ < options_.addresses) {
      dataplane::LocalAddrs me;
      me.mac = mac_;
      me.v4 = v.dst_ip;
      const size_t room = rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m);
      const size_t len = dataplane::AnswerArp(MutableByteView(frame.data(), room), v, me);
      if (len > 0) {
        m->data_len = static_cast<uint16_t>(len);
        m->pkt_len = static_cast<uint32_t>(len);
        Queue(m, false);
        return false;
      }
    }
  } else if (verdict == FrameVerdict::kArpReply && !cass_mac_ && v.src_ip == cass_ip_) {
    cass_mac_ = v.arp_sender_mac;
    consumed = true;
  } else if (verdict == FrameVerdict::kIpv4Fragment && v.src_ip == cass_ip_) {
    const dataplane::ReassemblyResult r = reassembler_.Add(frame, v, NowMs());
    if (r.verdict == dataplane::ReassemblyVerdict::kComplete) {
      FrameView whole;
      delivered = dataplane::ParseFrame(r.frame, &whole) == FrameVerdict::kUdp &&
                  Deliver(r.frame, whole, sink);
    } else {
      consumed = r.verdict == dataplane::ReassemblyVerdict::kPending;
    }
  }
  if (!delivered && !consumed) {
    ++stats_.rx_dropped;
  }
  rte_pktmbuf_free(m);
  return delivered;
}

// Deliver hands a UDP datagram from the CASS to one of our flows to the sink.
bool DpdkLoadTransport::Deliver(ByteView frame, const FrameView& v, LoadSink* sink) {
  if (sink == nullptr || !(v.src_ip == cass_ip_) || v.src_port != options_.cass_port) {
    return false;
  }
  const uint32_t address = LoadBe32(v.dst_ip.b.data()) - first_ip_;
  const uint32_t port = static_cast<uint32_t>(v.dst_port) - options_.first_port;
  if (v.dst_ip.v6 || address >= options_.addresses || port >= options_.ports_per_address) {
    return false;
  }
  sink->OnDatagram(address * options_.ports_per_address + port,
                   frame.subspan(v.payload_offset, v.payload_len));
  ++stats_.rx;
  return true;
}

}  // namespace rcas::tools
