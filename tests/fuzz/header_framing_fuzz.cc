// Header parse, UDP datagram check and the TCP splitter must agree on any
// input: input[0] seeds the chunk sizes, the rest is a TCP byte stream that
// is split once from a full buffer and once as it arrives in chunks.

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "protocol/framing.h"

namespace {

using rcas::ByteView;
using rcas::protocol::CheckFramedMessage;
using rcas::protocol::CheckUdpDatagram;
using rcas::protocol::FrameError;
using rcas::protocol::Header;
using rcas::protocol::HeaderError;
using rcas::protocol::NextTcpFrame;
using rcas::protocol::ParseHeader;
using rcas::protocol::TcpFrame;

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

constexpr size_t kMaxFrames = 4096;

// Outcome of splitting a stream: frame sizes, then how it stopped.
struct Split {
  size_t sizes[kMaxFrames];
  size_t count = 0;
  TcpFrame::Kind last = TcpFrame::Kind::kNeedMore;
  HeaderError reason = HeaderError::kOk;
};

// Every frame the splitter returns must pass the whole-message check.
void CheckFrame(ByteView frame, const TcpFrame& f) {
  Header h;
  Check(CheckFramedMessage(frame, &h) == FrameError::kOk);
  Check(h.type == f.header.type && h.length == f.header.length && h.nonce == f.header.nonce);
}

void SplitWhole(ByteView stream, Split* out) {
  size_t at = 0;
  for (;;) {
    const TcpFrame f = NextTcpFrame(stream.subspan(at));
    out->last = f.kind;
    out->reason = f.header_error;
    if (f.kind != TcpFrame::Kind::kMessage || out->count == kMaxFrames) {
      return;
    }
    CheckFrame(stream.subspan(at, f.size), f);
    out->sizes[out->count++] = f.size;
    at += f.size;
  }
}

// SplitChunked delivers the stream in pseudo-random chunks into a bounded
// receive buffer, as a connection would.
void SplitChunked(ByteView stream, uint8_t seed, Split* out) {
  static uint8_t buffer[65535 + 256 + 4096];
  size_t held = 0;
  size_t fed = 0;
  uint32_t rng = seed * 2654435761u + 1;
  while (fed < stream.size()) {
    rng = rng * 1103515245u + 12345u;
    const size_t chunk = 1 + (rng >> 16) % 300;
    const size_t n = chunk < stream.size() - fed ? chunk : stream.size() - fed;
    std::memcpy(buffer + held, stream.data() + fed, n);
    held += n;
    fed += n;
    for (;;) {
      const TcpFrame f = NextTcpFrame(ByteView(buffer, held));
      out->last = f.kind;
      out->reason = f.header_error;
      if (f.kind == TcpFrame::Kind::kClose) {
        return;
      }
      if (f.kind == TcpFrame::Kind::kNeedMore) {
        Check(f.size > held);
        break;
      }
      if (out->count == kMaxFrames) {
        return;
      }
      CheckFrame(ByteView(buffer, f.size), f);
      out->sizes[out->count++] = f.size;
      std::memmove(buffer, buffer + f.size, held - f.size);
      held -= f.size;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 200000) {
    return 0;
  }
  const uint8_t seed = data[0];
  const ByteView stream(data + 1, size - 1);

  // One datagram: the UDP check is the header check plus exact size and cap.
  Header h1;
  Header h2;
  HeaderError he = HeaderError::kOk;
  const HeaderError parsed = ParseHeader(stream, &h1);
  const FrameError udp = CheckUdpDatagram(stream, &h2, &he);
  Check(he == parsed);
  Check((udp == FrameError::kBadHeader) == (parsed != HeaderError::kOk));
  if (udp == FrameError::kOk) {
    Check(stream.size() == h1.message_len() && stream.size() <= 65507);
    const TcpFrame f = NextTcpFrame(stream);
    Check(f.kind == TcpFrame::Kind::kMessage && f.size == stream.size());
  }

  static Split whole;
  static Split chunked;
  whole = Split{};
  chunked = Split{};
  SplitWhole(stream, &whole);
  SplitChunked(stream, seed, &chunked);
  Check(whole.count == chunked.count);
  for (size_t i = 0; i < whole.count; ++i) {
    Check(whole.sizes[i] == chunked.sizes[i]);
  }
  if (whole.count < kMaxFrames) {
    Check(whole.last == chunked.last);
    Check(whole.reason == chunked.reason);
  }
  return 0;
}
