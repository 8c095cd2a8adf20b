// ParseFrame (dataplane/frame.h) on any octets: offsets stay inside the frame; an answerable
// request is answered, as if it were for us, in an exact-size copy (ASan sees any write past
// the capacity) and the reply parses as the reply; a UDP datagram's headers written again by
// WriteUdpHeaders parse back to the same view, and cut by WriteFragment then reassembled give
// back that frame; every fragment goes through one Reassembler shared across inputs, whose
// whole frames are never fragments again.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dataplane/frame.h"
#include "dataplane/ip_fragment.h"
#include "dataplane/ip_reassembly.h"

namespace {

using namespace rcas::dataplane;  // NOLINT(google-build-using-namespace)
using V = FrameVerdict;

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

// Us is an identity whose addresses are the ones the request asks for, so that it is answered.
LocalAddrs Us(const FrameView& v) {
  LocalAddrs me;
  me.mac = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
  me.v6_link_local = LinkLocalFromMac(me.mac);
  if (v.dst_ip.v6) {
    me.v6 = v.verdict == V::kNeighborSolicit ? v.nd_target : v.dst_ip;
  } else {
    me.v4 = v.dst_ip;
  }
  return me;
}

void CheckAnswer(const uint8_t* data, size_t size, const FrameView& v) {
  using Answer = size_t (*)(rcas::MutableByteView, const FrameView&, const LocalAddrs&) noexcept;
  Answer answer = nullptr;
  V reply_verdict = V::kIcmpOther;  // echo replies are not answered again
  switch (v.verdict) {
    case V::kArpRequest:
      answer = AnswerArp;
      reply_verdict = V::kArpReply;
      break;
    case V::kIcmpEchoRequest:
      answer = AnswerIcmpEcho;
      break;
    case V::kIcmp6EchoRequest:
      answer = AnswerIcmp6Echo;
      break;
    case V::kNeighborSolicit:
      answer = AnswerNeighborSolicit;
      reply_verdict = V::kNeighborAdvert;
      break;
    default:
      return;
  }
  // The frame alone, then with room for an NA's option.
  for (const size_t room : {size_t{0}, size_t{8}}) {
    std::vector<uint8_t> buf(data, data + size);
    buf.resize(size + room);
    const size_t n = answer(buf, v, Us(v));
    if (n == 0) {
      Check(std::memcmp(buf.data(), data, size) == 0);
      continue;
    }
    Check(n <= buf.size());
    FrameView r;
    const V got = ParseFrame({buf.data(), n}, &r);
    // Our source is the address asked for, which may be a group (a misconfigured identity).
    Check(got == reply_verdict || got == V::kBadSourceAddress);
  }
}

// CheckReassembly gives a fragment to a Reassembler that lives across inputs, so that
// fragments of different inputs meet as on the wire, with a clock that moves per input.
void CheckReassembly(const uint8_t* data, size_t size, const FrameView& v) {
  static Reassembler shared(ReassemblyConfig{.slots = 4, .max_datagram = 4096, .timeout_ms = 64});
  static uint64_t now_ms = 0;
  const ReassemblyResult r = shared.Add({data, size}, v, ++now_ms);
  Check((r.verdict == ReassemblyVerdict::kComplete) == !r.frame.empty());
  if (!r.frame.empty()) {
    Check(r.frame.size() <= 14 + 4 + 40 + 4096);
    FrameView w;
    const V got = ParseFrame(r.frame, &w);
    Check(got != V::kIpv4Fragment && got != V::kIpv6Fragment);
  }
  if (now_ms % 16 == 0) {
    shared.Expire(now_ms);
  }
}

// CheckFragmentRoundTrip cuts `frame` at an mtu picked by the input and reassembles it: the
// same frame back, but for IPv4's id, flags and header checksum.
void CheckFragmentRoundTrip(const std::vector<uint8_t>& frame, const FrameView& v, size_t pick) {
  const bool v6 = v.src_ip.v6;
  const size_t mtu = 576 + pick % 1024;
  const size_t count = FragmentCount(frame.size(), v6, v.vlan, mtu);
  Check(count >= 1);
  Reassembler r(ReassemblyConfig{.slots = 1, .max_datagram = 0xffff, .timeout_ms = 1});
  ReassemblyResult last;
  for (size_t i = 0; i < count; ++i) {
    std::vector<uint8_t> f(v.l3_offset + mtu);
    f.resize(WriteFragment(f, frame, v6, v.vlan, mtu, i, static_cast<uint32_t>(pick)));
    Check(!f.empty() && f.size() - v.l3_offset <= mtu);
    FrameView fv;
    const V got = ParseFrame(f, &fv);
    if (count == 1) {
      Check(got == V::kUdp && f == frame);
      return;
    }
    Check(got == (v6 ? V::kIpv6Fragment : V::kIpv4Fragment));
    last = r.Add(f, fv, 0);
    Check(last.verdict ==
          (i + 1 < count ? ReassemblyVerdict::kPending : ReassemblyVerdict::kComplete));
  }
  std::vector<uint8_t> whole(last.frame.begin(), last.frame.end());
  Check(whole.size() == frame.size());
  if (!v6) {
    std::memcpy(whole.data() + v.l3_offset + 4, frame.data() + v.l3_offset + 4, 4);
    std::memcpy(whole.data() + v.l3_offset + 10, frame.data() + v.l3_offset + 10, 2);
  }
  Check(whole == frame);
}

void CheckUdpRoundTrip(const uint8_t* data, size_t size, const FrameView& v) {
  UdpRoute r;
  r.src_mac = v.src_mac;
  r.dst_mac = v.dst_mac;
  r.vlan = v.vlan;
  r.vlan_tci = v.vlan_tci;
  r.src_ip = v.src_ip;
  r.dst_ip = v.dst_ip;
  r.src_port = v.src_port;
  r.dst_port = v.dst_port;
  r.ttl = v.ttl;
  const size_t headers = UdpHeadersLen(v.src_ip.v6, v.vlan);
  std::vector<uint8_t> out(headers + v.payload_len);
  std::memcpy(out.data() + headers, data + v.payload_offset, v.payload_len);
  Check(WriteUdpHeaders(out, r, v.payload_len) == out.size());
  FrameView again;
  Check(ParseFrame(out, &again) == V::kUdp);
  Check(again.src_ip == v.src_ip && again.dst_ip == v.dst_ip && again.src_port == v.src_port &&
        again.dst_port == v.dst_port && again.vlan == v.vlan && again.vlan_tci == v.vlan_tci &&
        again.payload_len == v.payload_len && again.src_mac == v.src_mac &&
        again.dst_mac == v.dst_mac);
  CheckFragmentRoundTrip(out, v, size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FrameView v;
  const V verdict = ParseFrame({data, size}, &v);
  Check(v.verdict == verdict && static_cast<size_t>(verdict) < kFrameVerdictCount);
  Check(v.l3_offset <= size && v.l4_offset <= size);
  const bool ip_kind = verdict == V::kUdp || verdict == V::kIcmpEchoRequest ||
                       verdict == V::kIcmp6EchoRequest || verdict == V::kNeighborSolicit ||
                       verdict == V::kNeighborAdvert;
  if (ip_kind) {
    Check(v.l3_offset < v.l4_offset && v.l4_offset < v.payload_offset &&
          size_t{v.payload_offset} + v.payload_len <= size);
  }
  // With the NIC's word for the checksums the verdict differs only where a checksum decided it,
  // and the offsets stay inside the frame.
  FrameView trusted;
  const V nic = ParseFrame({data, size}, &trusted, {.ipv4_header = true, .udp = true});
  Check(nic == verdict || verdict == V::kIpv4Checksum || verdict == V::kUdpChecksum);
  Check(trusted.l3_offset <= size && trusted.l4_offset <= size &&
        size_t{trusted.payload_offset} + trusted.payload_len <= size);
  CheckAnswer(data, size, v);
  if (verdict == V::kUdp) {
    CheckUdpRoundTrip(data, size, v);
  }
  if (verdict == V::kIpv4Fragment || verdict == V::kIpv6Fragment) {
    Check(v.l4_offset == v.payload_offset && size_t{v.payload_offset} + v.payload_len <= size);
    CheckReassembly(data, size, v);
  }
  return 0;
}
