// ImageServer: lifecycle, the event loop, the encryption batches and timers
// (dataplane/image_server.h). The per-protocol handlers are in http_serve.cc
// and tftp_serve.cc.

#include "dataplane/image_server.h"

#include <arpa/inet.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/image_server_internal.h"

namespace rcas::dataplane {
namespace {

constexpr int kTickMs = 10;     // timer resolution of the loop
constexpr int kDrainMs = 2000;  // Stop waits this long for cancelled operations

Status OpenListener(const ImageEndpoint& e, bool http, Listener* l) {
  l->http = http;
  if (!ParseSocketAddress(e, &l->local, &l->local_len)) {
    return Error{"image server: bad address '" + e.address + "'"};
  }
  const int type = (http ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  l->fd = socket(l->local.ss_family, type, 0);
  if (l->fd < 0) {
    return Error{std::string("image server: socket: ") + std::strerror(errno)};
  }
  const int one = 1;
  setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (l->local.ss_family == AF_INET6) {
    setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));  // v4 has its own endpoint
  }
  if (bind(l->fd, reinterpret_cast<sockaddr*>(&l->local), l->local_len) != 0 ||
      (http && listen(l->fd, 1024) != 0)) {
    return Error{"image server: bind " + e.address + ":" + std::to_string(e.port) + ": " +
                 std::strerror(errno)};
  }
  getsockname(l->fd, reinterpret_cast<sockaddr*>(&l->local), &l->local_len);
  l->port =
      ntohs(l->local.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&l->local)->sin_port
                                          : reinterpret_cast<sockaddr_in6*>(&l->local)->sin6_port);
  return OkStatus();
}

}  // namespace

ImageServer::ImageServer(const control::ImageRegistry& registry, ImageServerOptions options)
    : impl_(std::make_unique<Impl>(registry, std::move(options))) {}

ImageServer::~ImageServer() {
  Stop();
  for (Listener& l : impl_->listeners) {
    if (l.fd >= 0) {
      close(l.fd);
    }
  }
  if (impl_->wake_fd >= 0) {
    close(impl_->wake_fd);
  }
  if (impl_->ring_ready) {
    io_uring_queue_exit(&impl_->ring);
  }
}

Status ImageServer::Start() {
  Impl& m = *impl_;
  if (m.ring_ready) {
    return Error{"image server: already started"};
  }
  if (m.opt.http_chunk < 16 || m.opt.http_chunk % 16 != 0 || m.opt.max_clients == 0 ||
      m.opt.tftp_max_blksize < kTftpMinBlksize || m.opt.tftp_max_blksize > kTftpMaxBlksize) {
    return Error{"image server: bad options"};
  }
  m.listeners.resize(m.opt.http.size() + m.opt.tftp.size());
  for (size_t i = 0; i < m.listeners.size(); ++i) {
    const bool http = i < m.opt.http.size();
    const ImageEndpoint& e = http ? m.opt.http[i] : m.opt.tftp[i - m.opt.http.size()];
    if (Status s = OpenListener(e, http, &m.listeners[i]); !s.ok()) {
      return s;
    }
  }
  m.wake_fd = eventfd(0, EFD_CLOEXEC);
  if (m.wake_fd < 0) {
    return Error{std::string("image server: eventfd: ") + std::strerror(errno)};
  }
  if (const int r = io_uring_queue_init(m.opt.ring_entries, &m.ring, 0); r < 0) {
    return Error{std::string("image server: io_uring_queue_init: ") + std::strerror(-r)};
  }
  m.ring_ready = true;
  m.clients.resize(m.opt.max_clients);
  for (size_t i = m.opt.max_clients; i-- > 0;) {
    m.clients[i] = std::make_unique<Client>();
    m.free_slots.push_back(i);
  }
  m.chunks.reserve(m.opt.max_clients);
  m.want.reserve(m.opt.max_clients);
  m.mb = std::make_unique<crypto::MbManager>();
  m.thread = std::thread([&m] { m.Run(); });
  return OkStatus();
}

void ImageServer::Stop() {
  Impl& m = *impl_;
  if (!m.thread.joinable()) {
    return;
  }
  m.stopping = true;
  const uint64_t one = 1;
  (void)!write(m.wake_fd, &one, sizeof(one));
  m.thread.join();
}

std::vector<uint16_t> ImageServer::http_ports() const {
  std::vector<uint16_t> out;
  for (const Listener& l : impl_->listeners) {
    if (l.http) {
      out.push_back(l.port);
    }
  }
  return out;
}

std::vector<uint16_t> ImageServer::tftp_ports() const {
  std::vector<uint16_t> out;
  for (const Listener& l : impl_->listeners) {
    if (!l.http) {
      out.push_back(l.port);
    }
  }
  return out;
}

ImageServerStats ImageServer::stats() const {
  ImageServerStats s;
#define RCAS_IMAGE_COPY(name) s.name = impl_->name.load(std::memory_order_relaxed);
  RCAS_IMAGE_COUNTERS(RCAS_IMAGE_COPY)
#undef RCAS_IMAGE_COPY
  return s;
}

io_uring_sqe* ImageServer::Impl::Sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  while (sqe == nullptr) {
    io_uring_submit(&ring);  // the queue is full: hand it to the kernel and retry
    sqe = io_uring_get_sqe(&ring);
  }
  return sqe;
}

void ImageServer::Impl::Run() {
  now_ms = control::ImageRegistry::NowMs();
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_read(sqe, wake_fd, &wake_buf, sizeof(wake_buf), 0);
  io_uring_sqe_set_data64(sqe, Tag(OpKind::kWake, 0));
  ++inflight_total;
  for (size_t li = 0; li < listeners.size(); ++li) {
    listeners[li].http ? ArmAccept(li) : ArmTftpListen(li);
  }
  int64_t next_tick = now_ms + kTickMs;
  const auto reap = [this](int wait_ms) {
    __kernel_timespec ts = {0, wait_ms * 1'000'000LL};
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, nullptr);
    now_ms = control::ImageRegistry::NowMs();
    unsigned head = 0, n = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      Dispatch(cqe->user_data, cqe->res);
      ++n;
    }
    io_uring_cq_advance(&ring, n);
  };
  while (!stopping.load(std::memory_order_relaxed)) {
    reap(kTickMs);
    RunBatches();
    if (now_ms >= next_tick) {
      CheckTimers();
      next_tick = now_ms + kTickMs;
    }
  }
  // Clean stop: cancel everything, wait for the cancellations, close.
  for (Listener& l : listeners) {
    io_uring_sqe* cancel = Sqe();
    io_uring_prep_cancel_fd(cancel, l.fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(cancel, Tag(OpKind::kCancel, 0));
  }
  for (size_t i = 0; i < clients.size(); ++i) {
    if (clients[i]->in_use) {
      CloseClient(i);
    }
  }
  const int64_t give_up = now_ms + kDrainMs;
  while (inflight_total > 1 && now_ms < give_up) {  // the wake read stays armed
    reap(kTickMs);
  }
}

void ImageServer::Impl::Dispatch(uint64_t tag, int res) {
  const auto kind = static_cast<OpKind>(tag & 0xff);
  const size_t index = tag >> 8;
  if (kind != OpKind::kCancel) {
    --inflight_total;
  }
  switch (kind) {
    case OpKind::kWake:
    case OpKind::kCancel:
      break;
    case OpKind::kAccept:
      OnAccept(index, res);
      break;
    case OpKind::kTftpListen:
      OnTftpListen(index, res);
      break;
    case OpKind::kHttpRecv:
      OnHttpRecv(index, res);
      break;
    case OpKind::kHttpSend:
      OnHttpSend(index, res);
      break;
    case OpKind::kTftpRecv:
      OnTftpRecv(index, res);
      break;
    case OpKind::kTftpSend:
      OnTftpSend(index, res);
      break;
  }
}

Client* ImageServer::Impl::NewClient(bool http, int fd, size_t* index) {
  if (free_slots.empty()) {
    return nullptr;
  }
  *index = free_slots.back();
  free_slots.pop_back();
  Client& c = *clients[*index];
  c.in_use = true;
  c.http = http;
  c.fd = fd;
  return &c;
}

void ImageServer::Impl::CloseClient(size_t index) {
  Client& c = *clients[index];
  if (!c.closing && c.inflight > 0) {
    io_uring_sqe* sqe = Sqe();
    io_uring_prep_cancel_fd(sqe, c.fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, Tag(OpKind::kCancel, 0));
  }
  c.closing = true;
  if (c.inflight == 0) {
    close(c.fd);
    *clients[index] = Client{};
    free_slots.push_back(index);
  }
}

void ImageServer::Impl::Done(size_t index) {
  Client& c = *clients[index];
  --c.inflight;
  if (c.closing && c.inflight == 0) {
    CloseClient(index);
  }
}

void ImageServer::Impl::RunBatches() {
  // A cursor may need several fills (a Range start far into an individual
  // object), so batches repeat until nobody waits; each is one EncryptBurst.
  std::vector<size_t> batch;
  while (!want.empty()) {
    batch.swap(want);
    chunks.clear();
    for (size_t index : batch) {
      Client& c = *clients[index];
      c.want_data = false;
      if (c.in_use && !c.closing && c.cursor.NeedsFill()) {
        crypto::CbcChunk chunk = c.cursor.PrepareFill();
        chunk.user = index;
        chunks.push_back(chunk);
      }
    }
    if (!chunks.empty()) {
      Count(encrypt_bursts);
      crypto::EncryptBurst(*mb, chunks);
    }
    for (const crypto::CbcChunk& chunk : chunks) {
      Client& c = *clients[chunk.user];
      if (!chunk.ok) {
        Count(socket_errors);  // an engine failure is a bug; drop the client rather than stall
        CloseClient(chunk.user);
        continue;
      }
      const uint64_t skipped = c.cursor.skipped();
      c.cursor.FillDone(chunk);
      Count(encrypt_chunks);
      Count(encrypt_bytes, chunk.len);
      Count(encrypt_skipped_bytes, c.cursor.skipped() - skipped);
    }
    for (size_t index : batch) {
      Client& c = *clients[index];
      if (c.in_use && !c.closing) {
        c.http ? HttpPump(index) : TftpAssemble(index);
      }
    }
    batch.clear();
  }
}

void ImageServer::Impl::CheckTimers() {
  for (size_t i = 0; i < clients.size(); ++i) {
    Client& c = *clients[i];
    if (c.in_use && !c.closing && c.deadline_ms != 0 && now_ms >= c.deadline_ms) {
      c.http ? HttpTimeout(i) : TftpTimeout(i);
    }
  }
}

}  // namespace rcas::dataplane
