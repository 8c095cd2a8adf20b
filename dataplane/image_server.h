#pragma once
// ImageServer: the image service's HTTP/1.1 and TFTP servers (PROFILE §13.7,
// §17) on one io_uring and one thread: non-blocking, many clients at once.
// Objects come from a control::ImageRegistry; individual ones are encrypted
// on the fly, one crypto::EncryptBurst per loop turn across every transfer
// that needs data (docs/image-service.md). liburing stays out of this header.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "control/image_registry.h"
#include "crypto/result.h"
#include "dataplane/endpoint.h"
#include "dataplane/http_request.h"

namespace rcas::dataplane {

// ImageEndpoint: a numeric IPv4 or IPv6 address ("0.0.0.0", "::1", ...) and a
// port; port 0 binds an ephemeral one (see ImageServer::http_ports()).
using ImageEndpoint = Endpoint;

struct ImageServerOptions {
  std::vector<ImageEndpoint> http = {{"::", 80}};  // PROFILE §13.7 ports
  std::vector<ImageEndpoint> tftp = {{"::", 69}};
  HttpLimits http_limits;
  int http_idle_timeout_ms = 30'000;  // no request, or no send progress, for this long: close
  size_t http_chunk = 16 * 1024;      // encryption chunk of an individual object (multiple of 16)
  uint32_t tftp_max_blksize = 65464;  // RFC 2348 upper bound; larger asks get this
  int tftp_timeout_ms = 1000;         // retransmission timeout (RFC 1350)
  int tftp_max_retries = 5;           // then the transfer is dropped
  size_t max_clients = 4096;          // HTTP connections + TFTP transfers
  unsigned ring_entries = 1024;
};

// Every counter of the server, in one list (names are the stats' keys).
// clang-format off
#define RCAS_IMAGE_COUNTERS(X) \
  X(http_connections) \
  X(http_rejected_full) \
  X(http_requests) \
  X(http_200) \
  X(http_206) \
  X(http_400) \
  X(http_404) \
  X(http_405) \
  X(http_414) \
  X(http_416) \
  X(http_431) \
  X(http_505) \
  X(http_idle_timeouts) \
  X(http_body_bytes) \
  X(tftp_requests) \
  X(tftp_done) \
  X(tftp_not_found) \
  X(tftp_refused) \
  X(tftp_bad_packets) \
  X(tftp_retransmits) \
  X(tftp_timeouts) \
  X(tftp_peer_errors) \
  X(tftp_data_bytes) \
  X(encrypt_bursts) \
  X(encrypt_chunks) \
  X(encrypt_bytes) \
  X(encrypt_skipped_bytes) \
  X(socket_errors)
// clang-format on

struct ImageServerStats {
#define RCAS_IMAGE_FIELD(name) uint64_t name = 0;
  RCAS_IMAGE_COUNTERS(RCAS_IMAGE_FIELD)
#undef RCAS_IMAGE_FIELD
};

// ImageServer owns its sockets, ring and thread. Start and Stop are for one
// controlling thread; stats() may be read from any thread. The registry must
// outlive the server.
class ImageServer {
 public:
  ImageServer(const control::ImageRegistry& registry, ImageServerOptions options);
  ~ImageServer();  // Stop()
  ImageServer(const ImageServer&) = delete;
  ImageServer& operator=(const ImageServer&) = delete;

  // Start binds every endpoint and starts the thread; on error nothing runs.
  Status Start();
  // Stop ends the thread: in-flight operations are cancelled, every socket
  // closed. Idempotent.
  void Stop();

  // The bound ports, in the order of the options' endpoints (after Start).
  std::vector<uint16_t> http_ports() const;
  std::vector<uint16_t> tftp_ports() const;

  ImageServerStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rcas::dataplane
