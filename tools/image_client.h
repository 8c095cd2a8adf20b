#pragma once
// The CAM's image downloaders (PROFILE §13.7, §17.2): HTTP/1.1 GET of
// http://<dSIP>:<port>/<fn> with Range resume when a connection drops, and
// TFTP RRQ <fn> in octet mode with blksize and tsize (RFC 2347-2349). Both
// return the encrypted object as served; decrypting and the hash check are the
// caller's (§17.2). Blocking sockets with poll timeouts: a CAM is a client.

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/result.h"

namespace rcas::tools {

struct ImageClientOptions {
  int timeout_ms = 5000;            // per wait for the next octets or packet
  uint64_t max_size = 64ull << 20;  // larger objects are refused
  int http_resumes = 3;             // reconnects with Range after a dropped connection
  uint32_t tftp_blksize = 1428;     // asked with RFC 2348 (0: no option, 512 octets)
  bool tftp_tsize = true;           // ask the size first (RFC 2349) and check max_size
  int tftp_retries = 5;             // retransmissions of the RRQ or an ACK
};

// HttpDownload fetches `fn` from `host` (numeric IPv4 or IPv6) at `port`.
// Errors: connect/timeout, a status other than 200/206, a body over
// max_size, or a drop after http_resumes reconnects.
Result<Bytes> HttpDownload(const std::string& host, uint16_t port, std::string_view fn,
                           const ImageClientOptions& options = {});

// TftpDownload reads `fn` from `host` at `port`. Errors: timeout after the
// retries, an ERROR packet from the server (its message included), an object
// over max_size.
Result<Bytes> TftpDownload(const std::string& host, uint16_t port, std::string_view fn,
                           const ImageClientOptions& options = {});

}  // namespace rcas::tools
