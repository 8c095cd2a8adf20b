// Reassembly: each slot holds one datagram's octets behind room for its headers, and a bitmap
// of the 8-octet units received, so repeats are compared instead of trusted (RFC 5722).

#include "dataplane/ip_reassembly.h"

#include <algorithm>
#include <cstring>

#include "dataplane/frame_internal.h"

namespace rcas::dataplane {

using namespace frame_internal;  // NOLINT(google-build-using-namespace)
using R = ReassemblyVerdict;

namespace {

size_t IpHeaderLen(bool v6) { return v6 ? kIpv6Len : kIpv4Len; }

// FragmentHeadersLen is what lies between the l3 offset and a fragment's data.
size_t FragmentHeadersLen(bool v6) { return v6 ? kIpv6Len + kIpv6FragLen : kIpv4Len; }

}  // namespace

Reassembler::Reassembler(const ReassemblyConfig& config) : config_(config) {
  // ParseFrame reads at most 0xffff octets of a frame: keep the synthesized one within that.
  config_.max_datagram = std::min<size_t>(config_.max_datagram, 0xffff - kRoom);
  stride_ = kRoom + config_.max_datagram;
  words_ = (config_.max_datagram / 8 + 1 + 63) / 64;
  slots_.resize(config_.slots);
  buffer_.resize(config_.slots * stride_);
  bits_.resize(config_.slots * words_);
}

size_t Reassembler::InUse() const noexcept {
  return static_cast<size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.used; }));
}

void Reassembler::Drop(size_t slot, ReassemblyVerdict why) noexcept {
  slots_[slot].used = false;
  ++counts_[static_cast<size_t>(why)];
}

void Reassembler::Expire(uint64_t now_ms) noexcept {
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    if (s.used && now_ms >= s.first_ms && now_ms - s.first_ms >= config_.timeout_ms) {
      Drop(i, R::kTimeout);
    }
  }
}

size_t Reassembler::Find(const Key& key) const noexcept {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].used && slots_[i].key == key) {
      return i;
    }
  }
  return slots_.size();
}

// FindOrClaim returns the slot of `key`, or a fresh one: a free slot, else the oldest evicted.
// A stale slot of the same key times out here rather than absorbing a new datagram. An
// `isolated` fragment (IPv6 atomic, RFC 6946) always gets a fresh slot.
size_t Reassembler::FindOrClaim(const Key& key, bool isolated, uint64_t now_ms) noexcept {
  if (const size_t i = isolated ? slots_.size() : Find(key); i != slots_.size()) {
    const uint64_t first = slots_[i].first_ms;
    if (now_ms < first || now_ms - first < config_.timeout_ms) {
      return i;
    }
    Drop(i, R::kTimeout);
  }
  size_t pick = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i].used) {
      pick = i;
      break;
    }
    if (slots_[i].first_ms < slots_[pick].first_ms) {
      pick = i;
    }
  }
  if (slots_[pick].used) {
    Drop(pick, R::kEvicted);
  }
  slots_[pick] = Slot{};
  slots_[pick].used = true;
  slots_[pick].key = key;
  slots_[pick].first_ms = now_ms;
  std::fill_n(Bits(pick), words_, 0);
  return pick;
}

// Place copies the fragment into `slot` after checking it against what is there.
ReassemblyVerdict Reassembler::Place(size_t slot, ByteView frame, const FrameView& v) noexcept {
  Slot& s = slots_[slot];
  const size_t off = v.frag_offset;
  const size_t end = off + v.payload_len;
  const bool last = !v.more_fragments;
  if ((last && ((s.total != 0 && s.total != end) || end < s.max_end)) ||
      (!last && s.total != 0 && end > s.total)) {
    return R::kOverlap;  // two different ends
  }
  const uint8_t* src = frame.data() + v.payload_offset;
  uint8_t* data = Data(slot);
  uint64_t* bits = Bits(slot);
  size_t fresh = 0;
  bool seen = false;
  for (size_t lo = off; lo < end; lo += 8) {
    const size_t unit = lo / 8, n = std::min<size_t>(8, end - lo);
    if ((bits[unit / 64] >> (unit % 64) & 1) == 0) {
      fresh += n;
    } else if (std::memcmp(data + lo, src + (lo - off), n) != 0) {
      return R::kOverlap;
    } else {
      seen = true;
    }
  }
  if (seen && fresh != 0 && v.src_ip.v6) {
    return R::kOverlap;  // RFC 5722: only an exact repeat is tolerated for IPv6
  }
  std::memcpy(data + off, src, v.payload_len);
  for (size_t unit = off / 8; unit * 8 < end; ++unit) {
    bits[unit / 64] |= uint64_t{1} << (unit % 64);
  }
  s.received += fresh;
  s.max_end = std::max(s.max_end, end);
  if (last) {
    s.total = end;
  }
  if (off == 0) {
    const size_t headers = v.l3_offset + IpHeaderLen(v.src_ip.v6);
    std::memcpy(data - headers, frame.data(), headers);
    s.l2_len = v.l3_offset;
  }
  return s.total != 0 && s.received == s.total ? R::kComplete : R::kPending;
}

// Finish turns the offset-0 fragment's headers into those of the whole datagram.
ByteView Reassembler::Finish(size_t slot) noexcept {
  Slot& s = slots_[slot];
  s.used = false;
  const bool v6 = s.key.src.v6;
  uint8_t* ip = Data(slot) - IpHeaderLen(v6);
  if (v6) {
    StoreBe16(ip + 4, static_cast<uint16_t>(s.total));
    ip[6] = kProtoUdp;
  } else {
    StoreBe16(ip + 2, static_cast<uint16_t>(kIpv4Len + s.total));
    StoreBe16(ip + 6, 0);
    StoreBe16(ip + 10, 0);
    StoreBe16(ip + 10, FoldComplement(SumWords(ip, kIpv4Len, 0)));
  }
  const size_t headers = s.l2_len + IpHeaderLen(v6);
  return {Data(slot) - headers, headers + s.total};
}

ReassemblyResult Reassembler::Add(ByteView frame, const FrameView& v, uint64_t now_ms) noexcept {
  const bool v6 = v.verdict == FrameVerdict::kIpv6Fragment;
  ReassemblyResult r;
  if ((!v6 && v.verdict != FrameVerdict::kIpv4Fragment) || v.src_ip.v6 != v6 ||
      v.l3_offset > kEthLen + kVlanLen ||
      v.l3_offset + FragmentHeadersLen(v6) != v.payload_offset ||
      size_t{v.payload_offset} + v.payload_len > frame.size()) {
    r.verdict = R::kNotFragment;
  } else if (v.payload_len == 0 || (v.more_fragments && v.payload_len % 8 != 0)) {
    r.verdict = R::kBadLength;
  } else {
    const Key key{v.src_ip, v.dst_ip, v.frag_id};
    if (size_t{v.frag_offset} + v.payload_len > config_.max_datagram) {
      if (const size_t i = Find(key); i != slots_.size()) {
        slots_[i].used = false;  // the rest of this datagram is of no use either
      }
      r.verdict = R::kTooBig;
    } else {
      const bool atomic = v.frag_offset == 0 && !v.more_fragments;
      const size_t slot = FindOrClaim(key, atomic, now_ms);
      r.verdict = Place(slot, frame, v);
      if (r.verdict == R::kOverlap) {
        slots_[slot].used = false;
      } else if (r.verdict == R::kComplete) {
        r.frame = Finish(slot);
      }
    }
  }
  ++counts_[static_cast<size_t>(r.verdict)];
  return r;
}

}  // namespace rcas::dataplane
