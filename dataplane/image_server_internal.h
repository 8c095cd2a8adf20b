#pragma once
// ImageServer::Impl: the ring, listeners and per-client state. Internal to
// dataplane/ (pulls in liburing.h); the event loop is split by protocol:
// image_server.cc (loop, listeners, batching, timers), http_serve.cc, tftp_serve.cc.

#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crypto/mb_manager.h"
#include "dataplane/image_cursor.h"
#include "dataplane/image_server.h"
#include "dataplane/tftp_packet.h"

namespace rcas::dataplane {

// What a completion belongs to: the low 8 bits of user_data; the rest is an index.
enum class OpKind : uint8_t {
  kWake,
  kCancel,
  kAccept,
  kTftpListen,
  kHttpRecv,
  kHttpSend,
  kTftpRecv,
  kTftpSend
};

inline uint64_t Tag(OpKind k, size_t index) { return (uint64_t{index} << 8) | uint8_t(k); }

struct Listener {
  bool http = true;
  int fd = -1;
  sockaddr_storage local = {};  // as bound (TFTP transfers bind the same address, port 0)
  socklen_t local_len = 0;
  uint16_t port = 0;
  // TFTP requests arrive here.
  sockaddr_storage peer = {};
  iovec iov = {};
  msghdr msg = {};
  uint8_t rx[kTftpMaxRequest + 1] = {};
};

// Client: one HTTP connection or one TFTP transfer. Freed only when none of its
// operations is in flight, so a completion never finds a reused slot.
struct Client {
  bool in_use = false;
  bool http = true;
  int fd = -1;
  int inflight = 0;
  bool closing = false;
  bool want_data = false;  // queued for the next encryption burst
  int64_t deadline_ms = 0;
  ImageCursor cursor;

  // HTTP.
  std::unique_ptr<char[]> in;
  size_t in_len = 0;
  bool recv_posted = false;
  bool sending = false;  // a response is under way
  std::string head;
  size_t head_off = 0;
  uint64_t body_left = 0;
  bool keep_alive = true;
  bool draining = false;  // answer sent, reading until the client closes
  iovec iov[2] = {};
  msghdr msg = {};

  // TFTP.
  std::vector<uint8_t> pkt;  // the packet in flight (OACK or DATA), kept for retransmission
  size_t pkt_len = 0;
  size_t fill = 0;  // data octets of the DATA block assembled so far
  uint32_t blksize = 512;
  uint64_t block = 0;        // 0: OACK outstanding; else the DATA block awaiting its ACK
  bool final_block = false;  // the outstanding DATA is the last (shorter than blksize)
  bool send_inflight = false;
  bool assemble_pending = false;
  int retries = 0;
  uint8_t ack[8] = {};
};

struct ImageServer::Impl {
  Impl(const control::ImageRegistry& r, ImageServerOptions o) : registry(r), opt(std::move(o)) {}

  const control::ImageRegistry& registry;
  ImageServerOptions opt;
  io_uring ring = {};
  bool ring_ready = false;
  int wake_fd = -1;
  uint64_t wake_buf = 0;
  std::vector<Listener> listeners;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<size_t> free_slots;
  std::vector<size_t> want;  // clients waiting for the next encryption burst
  std::vector<crypto::CbcChunk> chunks;
  std::unique_ptr<crypto::MbManager> mb;
  std::thread thread;
  std::atomic<bool> stopping{false};
  int inflight_total = 0;
  int64_t now_ms = 0;
#define RCAS_IMAGE_ATOMIC(name) std::atomic<uint64_t> name{0};
  RCAS_IMAGE_COUNTERS(RCAS_IMAGE_ATOMIC)
#undef RCAS_IMAGE_ATOMIC

  // image_server.cc
  void Run();
  io_uring_sqe* Sqe();
  void Dispatch(uint64_t tag, int res);
  void RunBatches();
  void CheckTimers();
  Client* NewClient(bool http, int fd, size_t* index);
  void CloseClient(size_t index);
  void Done(size_t index);  // an operation of client `index` completed
  void Count(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.fetch_add(n, std::memory_order_relaxed);
  }

  // http_serve.cc
  void ArmAccept(size_t li);
  void OnAccept(size_t li, int res);
  void HttpRecv(size_t index);
  void OnHttpRecv(size_t index, int res);
  void HttpNextRequest(size_t index);
  // HttpRespond sends the head (Content-Length: length) and `body` octets from the cursor.
  void HttpRespond(size_t index, int status, const std::string& extra, uint64_t length,
                   uint64_t body);
  void HttpPump(size_t index);
  void OnHttpSend(size_t index, int res);
  void HttpTimeout(size_t index);

  // tftp_serve.cc
  void ArmTftpListen(size_t li);
  void OnTftpListen(size_t li, int res);
  void StartTftp(size_t li, const TftpPacket& p, std::shared_ptr<const control::ImageObject> obj);
  void TftpAssemble(size_t index);
  void TftpSend(size_t index);
  void TftpRecv(size_t index);
  void OnTftpRecv(size_t index, int res);
  void OnTftpSend(size_t index, int res);
  void TftpTimeout(size_t index);
};

}  // namespace rcas::dataplane
