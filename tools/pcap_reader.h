#pragma once
// RCAS messages out of a capture file (pcap or pcapng, read with libpcap) for `rcasctl decode`,
// from a path or from memory (the fuzz target). Link layers: Ethernet (with up to two
// 802.1Q/802.1ad tags), Linux cooked capture and raw IP; IPv4 (unfragmented) and IPv6 (no extension
// headers). A UDP payload is one message (PROFILE §5.4); TCP payloads are appended per flow (one
// direction of one connection) in arrival order and cut with NextTcpFrame (§5.3) — no
// sequence-number reordering, so a capture with retransmissions or loss may mis-frame. Everything
// else is skipped and counted.

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "protocol/header.h"

namespace rcas::tools {

// CapturedMessage is one message candidate: a whole UDP payload that starts with a valid
// header, or one TCP frame. `packet` is the 1-based number of the packet that completed it.
struct CapturedMessage {
  uint64_t packet = 0;
  bool tcp = false;
  std::string flow;  // "udp 192.0.2.1:49104 -> 192.0.2.2:5000"
  Bytes message;
};

// TcpFramingFailure: a flow whose octets stopped framing (NextTcpFrame said close, §23.11)
// after it had carried at least one message, or that ended in the middle of a message.
struct TcpFramingFailure {
  std::string flow;
  std::string reason;  // "bad-version at stream octet 1234", "ends inside a message: ..."
};

struct CaptureScan {
  std::vector<CapturedMessage> messages;  // in the order they completed
  std::vector<TcpFramingFailure> tcp_failures;
  uint64_t packets = 0;
  uint64_t skipped_link = 0;      // not Ethernet/IP, or truncated headers
  uint64_t skipped_fragment = 0;  // IPv4 fragments, IPv6 extension headers
  uint64_t skipped_l4 = 0;        // neither UDP nor TCP
  uint64_t skipped_not_rcas = 0;  // UDP payloads and TCP flows that never framed a message
  uint64_t empty = 0;             // TCP segments without payload (SYN, ACK, FIN)
};

// ReadCapture reads the whole file. Fails only if the file cannot be opened or read, or has an
// unsupported link type; malformed packets are counted, not fatal.
Result<CaptureScan> ReadCapture(const std::string& path);

// ReadCaptureBytes is ReadCapture for a whole capture file held in memory (`capture`, not kept
// after the call); `name` stands for the file in error messages. Fails as ReadCapture does, and
// on empty input.
Result<CaptureScan> ReadCaptureBytes(ByteView capture, const std::string& name);

}  // namespace rcas::tools
