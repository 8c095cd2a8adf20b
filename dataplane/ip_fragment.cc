// Outgoing fragmentation: the IP payload cut into mtu-sized slices, each behind a copy of the
// frame's headers with the fragment fields filled in.

#include "dataplane/ip_fragment.h"

#include <cstring>

#include "dataplane/frame_internal.h"

namespace rcas::dataplane {

using namespace frame_internal;  // NOLINT(google-build-using-namespace)

namespace {

size_t L3Offset(bool vlan) { return kEthLen + (vlan ? kVlanLen : 0); }

// SliceLen is the data octets per fragment: what the mtu leaves after the IP header (and the
// IPv6 Fragment header), rounded down to the 8-octet unit of the offset field.
size_t SliceLen(bool v6, size_t mtu) {
  const size_t headers = v6 ? kIpv6Len + kIpv6FragLen : kIpv4Len;
  return mtu > headers ? (mtu - headers) / 8 * 8 : 0;
}

}  // namespace

size_t FragmentCount(size_t frame_len, bool v6, bool vlan, size_t mtu) noexcept {
  const size_t l4 = L3Offset(vlan) + (v6 ? kIpv6Len : kIpv4Len);
  if (frame_len < l4) {
    return 0;
  }
  if (frame_len - L3Offset(vlan) <= mtu) {
    return 1;
  }
  const size_t slice = SliceLen(v6, mtu);
  return slice == 0 ? 0 : (frame_len - l4 + slice - 1) / slice;
}

size_t WriteFragment(MutableByteView out, ByteView frame, bool v6, bool vlan, size_t mtu,
                     size_t index, uint32_t id) noexcept {
  const size_t count = FragmentCount(frame.size(), v6, vlan, mtu);
  if (index >= count) {
    return 0;
  }
  if (count == 1) {
    if (out.size() < frame.size()) {
      return 0;
    }
    std::memcpy(out.data(), frame.data(), frame.size());
    return frame.size();
  }
  const size_t l3 = L3Offset(vlan);
  const size_t ip_len = v6 ? kIpv6Len : kIpv4Len;
  const size_t l4 = l3 + ip_len;
  const size_t slice = SliceLen(v6, mtu);
  const size_t offset = index * slice;
  const bool last = index + 1 == count;
  const size_t data_len = last ? frame.size() - l4 - offset : slice;
  const size_t data_at = l4 + (v6 ? kIpv6FragLen : 0);
  if (out.size() < data_at + data_len) {
    return 0;
  }
  uint8_t* o = out.data();
  std::memcpy(o, frame.data(), l4);
  std::memcpy(o + data_at, frame.data() + l4 + offset, data_len);
  uint8_t* ip = o + l3;
  const auto units = static_cast<uint16_t>(offset / 8);
  if (v6) {
    StoreBe16(ip + 4, static_cast<uint16_t>(kIpv6FragLen + data_len));
    uint8_t* fh = ip + kIpv6Len;
    fh[0] = ip[6];  // the datagram's own next header moves into the Fragment header
    fh[1] = 0;
    StoreBe16(fh + 2, static_cast<uint16_t>((units << 3) | (last ? 0 : 1)));
    StoreBe32(fh + 4, id);
    ip[6] = kIpv6FragmentHeader;
  } else {
    StoreBe16(ip + 2, static_cast<uint16_t>(kIpv4Len + data_len));
    StoreBe16(ip + 4, static_cast<uint16_t>(id));
    StoreBe16(ip + 6, static_cast<uint16_t>(units | (last ? 0 : 0x2000)));
    StoreBe16(ip + 10, 0);
    StoreBe16(ip + 10, FoldComplement(SumWords(ip, kIpv4Len, 0)));
  }
  return data_at + data_len;
}

}  // namespace rcas::dataplane
