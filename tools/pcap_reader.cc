#include "tools/pcap_reader.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "protocol/framing.h"

namespace rcas::tools {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88A8;
constexpr size_t kEthernetLen = 14;
constexpr size_t kVlanTagLen = 4;
constexpr size_t kMaxVlanTags = 2;
constexpr size_t kSllLen = 16;  // Linux cooked capture v1; protocol at offset 14
constexpr size_t kIpv4MinLen = 20;
constexpr size_t kIpv6Len = 40;
constexpr size_t kUdpLen = 8;
constexpr size_t kTcpMinLen = 20;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;

enum class Verdict { kOk, kLink, kFragment, kL4 };

// Segment is the transport payload of one packet.
struct Segment {
  bool tcp = false;
  std::string flow;
  ByteView payload;
};

using PcapPtr = std::unique_ptr<pcap_t, decltype(&pcap_close)>;

std::string Endpoint(int family, const uint8_t* addr, uint16_t port) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, addr, text, sizeof(text));
  std::string out;
  if (family == AF_INET6) {
    out.append("[").append(text).append("]");
  } else {
    out.append(text);
  }
  return out.append(":").append(std::to_string(port));
}

// Transport reads the UDP or TCP header at `l4` (the IP payload) into `out`.
Verdict Transport(uint8_t proto, ByteView l4, int family, const uint8_t* src, const uint8_t* dst,
                  Segment* out) {
  size_t header_len = 0;
  if (proto == kProtoUdp) {
    if (l4.size() < kUdpLen) {
      return Verdict::kLink;
    }
    const size_t udp_len = LoadBe16(l4.data() + 4);
    if (udp_len < kUdpLen || udp_len > l4.size()) {
      return Verdict::kLink;
    }
    l4 = l4.first(udp_len);
    header_len = kUdpLen;
  } else if (proto == kProtoTcp) {
    if (l4.size() < kTcpMinLen) {
      return Verdict::kLink;
    }
    header_len = size_t{static_cast<uint8_t>(l4[12] >> 4)} * 4;
    if (header_len < kTcpMinLen || header_len > l4.size()) {
      return Verdict::kLink;
    }
  } else {
    return Verdict::kL4;
  }
  out->tcp = proto == kProtoTcp;
  out->flow = std::string(out->tcp ? "tcp " : "udp ")
                  .append(Endpoint(family, src, LoadBe16(l4.data())))
                  .append(" -> ")
                  .append(Endpoint(family, dst, LoadBe16(l4.data() + 2)));
  out->payload = l4.subspan(header_len);
  return Verdict::kOk;
}

Verdict Ipv4(ByteView ip, Segment* out) {
  if (ip.size() < kIpv4MinLen || (ip[0] >> 4) != 4) {
    return Verdict::kLink;
  }
  const size_t header_len = size_t{static_cast<uint8_t>(ip[0] & 0x0f)} * 4;
  const size_t total_len = LoadBe16(ip.data() + 2);
  if (header_len < kIpv4MinLen || total_len < header_len || total_len > ip.size()) {
    return Verdict::kLink;  // bad header, or cut by the snap length
  }
  if ((LoadBe16(ip.data() + 6) & 0x3fff) != 0) {
    return Verdict::kFragment;  // MF set or a non-zero offset: no reassembly
  }
  return Transport(ip[9], ip.subspan(header_len, total_len - header_len), AF_INET, &ip[12], &ip[16],
                   out);
}

Verdict Ipv6(ByteView ip, Segment* out) {
  if (ip.size() < kIpv6Len || (ip[0] >> 4) != 6) {
    return Verdict::kLink;
  }
  const size_t payload_len = LoadBe16(ip.data() + 4);
  if (kIpv6Len + payload_len > ip.size()) {
    return Verdict::kLink;
  }
  const uint8_t next = ip[6];
  if (next != kProtoUdp && next != kProtoTcp) {
    // Hop-by-hop, routing, fragment, destination options, ESP, AH: not followed.
    const bool extension =
        next == 0 || next == 43 || next == 44 || next == 60 || next == 50 || next == 51;
    return extension ? Verdict::kFragment : Verdict::kL4;
  }
  return Transport(next, ip.subspan(kIpv6Len, payload_len), AF_INET6, &ip[8], &ip[24], out);
}

Verdict Network(uint16_t ether_type, ByteView ip, Segment* out) {
  if (ether_type == kEtherIpv4) {
    return Ipv4(ip, out);
  }
  if (ether_type == kEtherIpv6) {
    return Ipv6(ip, out);
  }
  return Verdict::kLink;
}

// Frame parses one captured frame of link type `dlt` down to its UDP/TCP payload.
Verdict Frame(int dlt, ByteView frame, Segment* out) {
  switch (dlt) {
    case DLT_EN10MB: {
      if (frame.size() < kEthernetLen) {
        return Verdict::kLink;
      }
      size_t at = 12;
      uint16_t type = LoadBe16(frame.data() + at);
      for (size_t tags = 0; (type == kEtherVlan || type == kEtherQinQ) && tags < kMaxVlanTags;
           ++tags) {
        at += kVlanTagLen;
        if (frame.size() < at + 2) {
          return Verdict::kLink;
        }
        type = LoadBe16(frame.data() + at);
      }
      return Network(type, frame.subspan(at + 2), out);
    }
    case DLT_LINUX_SLL:
      if (frame.size() < kSllLen) {
        return Verdict::kLink;
      }
      return Network(LoadBe16(frame.data() + 14), frame.subspan(kSllLen), out);
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      if (frame.empty()) {
        return Verdict::kLink;
      }
      return Network((frame[0] >> 4) == 4 ? kEtherIpv4 : kEtherIpv6, frame, out);
    default:
      return Verdict::kLink;
  }
}

bool SupportedLink(int dlt) {
  return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_RAW || dlt == DLT_IPV4 ||
         dlt == DLT_IPV6;
}

// TcpFlow is the not yet framed octets of one direction of one connection.
struct TcpFlow {
  Bytes buffer;
  uint64_t offset = 0;  // stream octets already cut into messages
  bool framed_any = false;
  bool closed = false;  // framing failed: the rest of the flow is ignored (§5.3)
};

// TcpReassembler cuts each flow's stream into messages with NextTcpFrame.
class TcpReassembler {
 public:
  explicit TcpReassembler(CaptureScan& scan) : scan_(scan) {}

  void Add(uint64_t packet, const std::string& flow_name, ByteView payload) {
    TcpFlow& flow = flows_[flow_name];
    if (flow.closed) {
      return;
    }
    Append(flow.buffer, payload);
    size_t used = 0;
    for (;;) {
      const protocol::TcpFrame f = protocol::NextTcpFrame(ByteView(flow.buffer).subspan(used));
      if (f.kind == protocol::TcpFrame::Kind::kNeedMore) {
        break;
      }
      if (f.kind == protocol::TcpFrame::Kind::kClose) {
        Close(flow_name, flow,
              std::string(protocol::HeaderErrorName(f.header_error))
                  .append(" at stream octet ")
                  .append(std::to_string(flow.offset + used)));
        return;
      }
      const ByteView message = ByteView(flow.buffer).subspan(used, f.size);
      scan_.messages.push_back({packet, true, flow_name, Bytes(message.begin(), message.end())});
      flow.framed_any = true;
      used += f.size;
    }
    flow.buffer.erase(flow.buffer.begin(), flow.buffer.begin() + static_cast<ptrdiff_t>(used));
    flow.offset += used;
  }

  // Finish reports the flows that end inside a message.
  void Finish() {
    for (auto& [name, flow] : flows_) {
      if (flow.closed || flow.buffer.empty()) {
        continue;
      }
      protocol::Header h;
      if (protocol::ParseHeader(flow.buffer, &h) == protocol::HeaderError::kOk) {
        scan_.tcp_failures.push_back({name, std::string("capture ends inside a ")
                                                .append(protocol::MessageTypeName(h.type))
                                                .append(" (have ")
                                                .append(std::to_string(flow.buffer.size()))
                                                .append(" of ")
                                                .append(std::to_string(h.message_len()))
                                                .append(" octets)")});
      } else if (flow.framed_any) {
        scan_.tcp_failures.push_back({name, "capture ends inside a message header"});
      } else {
        ++scan_.skipped_not_rcas;
      }
    }
  }

 private:
  void Close(const std::string& name, TcpFlow& flow, std::string reason) {
    flow.closed = true;
    flow.buffer.clear();
    if (flow.framed_any) {
      scan_.tcp_failures.push_back({name, std::move(reason)});
    } else {
      ++scan_.skipped_not_rcas;  // never looked like RCAS
    }
  }

  CaptureScan& scan_;
  std::map<std::string, TcpFlow> flows_;
};

// Scan reads every packet of an opened capture; `name` prefixes the error messages.
Result<CaptureScan> Scan(pcap_t* pcap, const std::string& name) {
  const int dlt = pcap_datalink(pcap);
  if (!SupportedLink(dlt)) {
    const char* link = pcap_datalink_val_to_name(dlt);
    return Error{name + ": link type " +
                 (link != nullptr ? std::string(link) : std::to_string(dlt)) +
                 " not supported (Ethernet, Linux cooked or raw IP)"};
  }
  CaptureScan scan;
  TcpReassembler tcp(scan);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(pcap, &header, &data)) == 1) {
    ++scan.packets;
    Segment segment;
    switch (Frame(dlt, ByteView(data, header->caplen), &segment)) {
      case Verdict::kLink:
        ++scan.skipped_link;
        continue;
      case Verdict::kFragment:
        ++scan.skipped_fragment;
        continue;
      case Verdict::kL4:
        ++scan.skipped_l4;
        continue;
      case Verdict::kOk:
        break;
    }
    if (segment.tcp) {
      if (segment.payload.empty()) {
        ++scan.empty;
      } else {
        tcp.Add(scan.packets, segment.flow, segment.payload);
      }
      continue;
    }
    // A UDP payload is a candidate if its header parses; framing is judged by the decoder.
    protocol::Header h;
    if (protocol::ParseHeader(segment.payload, &h) != protocol::HeaderError::kOk) {
      ++scan.skipped_not_rcas;
      continue;
    }
    scan.messages.push_back(
        {scan.packets, false, segment.flow, Bytes(segment.payload.begin(), segment.payload.end())});
  }
  if (rc == -1) {
    return Error{name + ": " + pcap_geterr(pcap)};
  }
  tcp.Finish();
  return scan;
}

}  // namespace

Result<CaptureScan> ReadCapture(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapPtr pcap(pcap_open_offline(path.c_str(), errbuf), &pcap_close);
  if (!pcap) {
    return Error{path + ": " + errbuf};
  }
  return Scan(pcap.get(), path);
}

Result<CaptureScan> ReadCaptureBytes(ByteView capture, const std::string& name) {
  if (capture.empty()) {
    return Error{name + ": empty capture"};  // fmemopen may refuse a zero size
  }
  // Opened read-only, so the buffer is never written through the non-const pointer.
  FILE* file = fmemopen(const_cast<uint8_t*>(capture.data()), capture.size(), "rb");
  if (file == nullptr) {
    return Error{name + ": " + std::strerror(errno)};
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapPtr pcap(pcap_fopen_offline(file, errbuf), &pcap_close);  // closes `file` from now on
  if (!pcap) {
    std::fclose(file);
    return Error{name + ": " + errbuf};
  }
  return Scan(pcap.get(), name);
}

}  // namespace rcas::tools
