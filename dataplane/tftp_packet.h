#pragma once
// TFTP packets (RFC 1350) with the option extension (RFC 2347), blksize
// (RFC 2348) and tsize (RFC 2349): a pure parser and builders shared by the
// image server and the CAM's client (PROFILE §13.7: RRQ `<fn>` mode octet).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/bytes.h"

namespace rcas::dataplane {

enum class TftpOp : uint16_t { kRrq = 1, kWrq = 2, kData = 3, kAck = 4, kError = 5, kOack = 6 };

inline constexpr uint16_t kTftpDefaultBlksize = 512;
inline constexpr uint16_t kTftpMinBlksize = 8;      // RFC 2348
inline constexpr uint16_t kTftpMaxBlksize = 65464;  // RFC 2348
inline constexpr size_t kTftpMaxRequest = 512;      // RRQ/WRQ/OACK octets accepted

// RFC 1350 error codes used here.
enum class TftpError : uint16_t {
  kUndefined = 0,
  kNotFound = 1,
  kAccessViolation = 2,
  kIllegalOp = 4,
  kUnknownTid = 5,
  kOptionRefused = 8,  // RFC 2347
};

// TftpPacket: one parsed packet; the views point into the parsed buffer.
struct TftpPacket {
  TftpOp op = TftpOp::kRrq;
  // RRQ / WRQ.
  std::string_view filename;
  bool octet = false;    // mode "octet" (any case); netascii and mail are not served
  uint32_t blksize = 0;  // 0: not asked (or OACK: not given); else 8..65464
  bool has_tsize = false;
  uint64_t tsize = 0;
  // DATA / ACK.
  uint16_t block = 0;
  ByteView data;
  // ERROR.
  uint16_t error_code = 0;
  std::string_view error_msg;
};

// ParseTftpPacket parses any of the six packet types. False on anything
// malformed: short, unknown opcode, missing NUL, empty filename, an option
// without a value, blksize or tsize not a number in range. Unknown options are
// skipped (RFC 2347). A DATA payload longer than 65464 octets is malformed.
bool ParseTftpPacket(ByteView in, TftpPacket* out);

// The builders write into `out` (capacity `cap`) and return the length, or 0
// if it does not fit.
size_t BuildTftpError(uint8_t* out, size_t cap, TftpError code, std::string_view msg);
size_t BuildTftpAck(uint8_t* out, size_t cap, uint16_t block);
// BuildTftpRequest writes an RRQ (or WRQ) in mode octet with blksize and tsize
// ("0") options when asked (blksize 0 / !tsize: left out).
size_t BuildTftpRequest(uint8_t* out, size_t cap, TftpOp op, std::string_view filename,
                        uint32_t blksize, bool tsize);
// BuildTftpOack writes the options the server took (blksize 0 / !has_tsize: left out).
size_t BuildTftpOack(uint8_t* out, size_t cap, uint32_t blksize, bool has_tsize, uint64_t tsize);

}  // namespace rcas::dataplane
