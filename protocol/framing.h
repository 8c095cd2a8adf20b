#pragma once
// Transport framing (PROFILE §5.3, §5.4): one message per UDP datagram of
// exactly length + T(type) octets; on TCP, messages back to back, delimited by
// the header alone. Hot path: noexcept, no allocation, no state.

#include <cstddef>
#include <cstdint>

#include "crypto/bytes.h"
#include "protocol/header.h"
#include "protocol/verdicts.h"

namespace rcas::protocol {

// Frame verdicts beyond the header's own (all drop silently, §14.2).
#define RCAS_FRAME_ERRORS(X)                                                           \
  X(kOk, "ok")                                                                         \
  X(kBadHeader, "bad-header")                 /* see the HeaderError for the reason */ \
  X(kLengthMismatch, "frame-length-mismatch") /* != length + T */                      \
  X(kTooLarge, "datagram-too-large")          /* UDP: length + T > 65507 */

RCAS_DEFINE_VERDICTS(FrameError, RCAS_FRAME_ERRORS)

// CheckFramedMessage parses the header of one whole message and checks that
// its size is length + T(type) (§4). On kOk `out` is the header; on
// kBadHeader `header_error` (if non-null) says why.
FrameError CheckFramedMessage(ByteView message, Header* out,
                              HeaderError* header_error = nullptr) noexcept;

// CheckUdpDatagram is CheckFramedMessage plus the UDP size cap of §5.4.
FrameError CheckUdpDatagram(ByteView datagram, Header* out,
                            HeaderError* header_error = nullptr) noexcept;

// TcpFrame is what the splitter found at the start of the receive buffer.
struct TcpFrame {
  enum class Kind : uint8_t {
    kNeedMore,  // read at least `size` octets in total before calling again
    kMessage,   // a complete message of `size` octets starts the buffer
    kClose,     // framing error: close the connection, no Status (§23.11)
  };
  Kind kind = Kind::kNeedMore;
  size_t size = 0;
  HeaderError header_error = HeaderError::kOk;  // the reason when kClose
  Header header{};                              // valid when kMessage
};

// NextTcpFrame inspects the octets buffered so far on a connection (§5.3).
// Stateless: after consuming a kMessage, call again on the remainder.
TcpFrame NextTcpFrame(ByteView buffered) noexcept;

}  // namespace rcas::protocol
