#include "protocol/framing.h"

namespace rcas::protocol {

namespace {

FrameError Check(ByteView message, size_t cap, Header* out, HeaderError* header_error) {
  Header h;
  const HeaderError he = ParseHeader(message, &h);
  if (header_error != nullptr) {
    *header_error = he;
  }
  if (he != HeaderError::kOk) {
    return FrameError::kBadHeader;
  }
  if (h.message_len() > cap) {
    return FrameError::kTooLarge;
  }
  if (message.size() != h.message_len()) {
    return FrameError::kLengthMismatch;
  }
  *out = h;
  return FrameError::kOk;
}

}  // namespace

FrameError CheckFramedMessage(ByteView message, Header* out, HeaderError* header_error) noexcept {
  // No cap beyond the header's own: length <= 65535 bounds a TCP frame.
  return Check(message, kMaxMessageLen + kSignatureLen, out, header_error);
}

FrameError CheckUdpDatagram(ByteView datagram, Header* out, HeaderError* header_error) noexcept {
  return Check(datagram, kMaxUdpPayload, out, header_error);
}

TcpFrame NextTcpFrame(ByteView buffered) noexcept {
  TcpFrame f;
  if (buffered.size() < kHeaderLen) {
    f.size = kHeaderLen;
    return f;
  }
  Header h;
  f.header_error = ParseHeader(buffered, &h);
  if (f.header_error != HeaderError::kOk) {
    f.kind = TcpFrame::Kind::kClose;
    return f;
  }
  f.size = h.message_len();
  if (buffered.size() >= f.size) {
    f.kind = TcpFrame::Kind::kMessage;
    f.header = h;
  }
  return f;
}

}  // namespace rcas::protocol
