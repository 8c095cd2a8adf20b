#pragma once
// IP fragmentation of the worker's outgoing UDP datagrams (PROFILE §5.4: one message per
// datagram, up to 65 507 octets, IP fragmentation acceptable): the kernel path gets it from
// the kernel, the DPDK worker cuts its frames here. Pure functions over byte spans, no DPDK.

#include <cstddef>
#include <cstdint>

#include "crypto/bytes.h"

namespace rcas::dataplane {

// FragmentCount is how many frames WriteFragment makes of a `frame_len`-octet frame as
// WriteUdpHeaders built it (Ethernet, optional 802.1Q tag, a 20-octet IPv4 or 40-octet IPv6
// header, the whole UDP datagram, no padding) so that each IP packet is at most `mtu`
// octets: 1 when the packet fits as it is, 0 when `mtu` leaves no room for 8 octets of data
// per fragment or the frame is shorter than its headers.
size_t FragmentCount(size_t frame_len, bool v6, bool vlan, size_t mtu) noexcept;

// WriteFragment writes frame number `index` (< FragmentCount) of `frame` into `out` and
// returns its length, or 0 when `out` is too small or `index` out of range. A frame that fits
// is copied unchanged. Otherwise each fragment has the same L2 header and an IP header
// carrying `id` (IPv4: the low 16 bits, DF cleared, MF and offset set, fresh checksum; IPv6: a
// Fragment header, RFC 8200 §4.5) and the next slice of the IP payload, every slice but the
// last a multiple of 8 octets. The UDP checksum stays the one over the whole datagram.
// `out` and `frame` must not overlap.
size_t WriteFragment(MutableByteView out, ByteView frame, bool v6, bool vlan, size_t mtu,
                     size_t index, uint32_t id) noexcept;

}  // namespace rcas::dataplane
