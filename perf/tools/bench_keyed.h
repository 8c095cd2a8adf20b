#pragma once
// Keyed round trips for perf/tools/cassd_bench.cc: N ESTABLISHED normal-mode sessions whose CASS
// side runs on the daemon's transport (dataplane/kernel_transport.h, one io_uring thread pinned
// to one CPU) and whose CAM side is one UDP socket per session on the benchmark thread.
//
// The exchange is LogRequest -> LogResponse (PROFILE §13.10): the CASS seals a LogRequest under
// a fresh nonce (MAC and MEK encryption, §9.2), the CAM opens it and seals its LogResponse under
// the same nonce, the CASS opens that (MAC first, then decryption), checks the sessionID and
// sends the next LogRequest. The engine sends one LogRequest per session (§15.4), so the CASS
// side here is the engine's code path for it (SendRequest / OnCamResponse: nonce binding, Seal,
// Open, DER) without its state machine and report storage. EchoSink is the same transport
// sending each datagram back: the ceiling of the sockets alone. Benchmark-only.

#include <pthread.h>
#include <sys/epoll.h>
#include <time.h>

#include <cerrno>
#include <thread>
#include <unordered_map>
#include <vector>

#include "crypto/random.h"
#include "dataplane/kernel_transport.h"
#include "perf/tools/bench_daemon.h"
#include "protocol/content.h"
#include "protocol/protect.h"
#include "protocol/session_keys.h"

namespace rcas::perf {

// KeyedSecrets: what both sides of one session know after CAMRegConfirm (IHK, MEK, MEK-IV) and
// the nonce of the CAM's first LogResponse.
struct KeyedSecrets {
  std::array<uint8_t, protocol::kSessionIdLen> session_id{};
  protocol::Secret20 ihk;
  crypto::AesKey mek;
  protocol::SecretBlock mek_iv;
  uint64_t first_nonce = 0;

  static std::vector<KeyedSecrets> Make(size_t n) {
    std::vector<KeyedSecrets> out(n);
    for (KeyedSecrets& s : out) {
      crypto::RandomBytes(s.session_id);
      crypto::RandomBytes(s.ihk.mutable_view());
      crypto::RandomBytes(s.mek.mutable_view());
      crypto::RandomBytes(s.mek_iv.mutable_view());
      s.first_nonce = crypto::RandomU64() | 1;
    }
    return out;
  }
  protocol::SessionKeys Keys() const {
    protocol::SessionKeys k = protocol::SessionKeys::Normal(ihk);
    k.SetMek(mek);
    k.SetMekIv(mek_iv);
    return k;
  }
};

// AnswerSink: a sink that only answers datagrams (no TCP, no timers): OnMessage queues into
// out_, Poll hands the queue to the transport.
class AnswerSink : public dataplane::TransportSink {
 public:
  void OnPeerClosed(uint64_t, uint64_t) override {}
  void OnReadable(int, uint64_t) override {}
  void Poll(uint64_t, std::vector<control::OutMessage>& out, std::vector<Bytes>&) override {
    for (control::OutMessage& m : out_) {
      out.push_back(std::move(m));
    }
    out_.clear();
  }
  uint64_t NextDueMs(uint64_t now_ms) override { return now_ms + 1000; }

 protected:
  std::vector<control::OutMessage> out_;
};

// LogExchangeSink: the CASS side. Unknown nonces and messages that fail to open are counted.
class LogExchangeSink : public AnswerSink {
 public:
  explicit LogExchangeSink(const std::vector<KeyedSecrets>& secrets) {
    for (size_t i = 0; i < secrets.size(); ++i) {
      sessions_.push_back({secrets[i].session_id, secrets[i].Keys()});
      by_nonce_[secrets[i].first_nonce] = i;
    }
  }
  void OnMessage(const control::PeerRef& peer, ByteView message, uint64_t) override {
    protocol::Header h;
    protocol::HeaderError he;
    auto it = protocol::CheckMessageFrame(message, &h, &he) == protocol::ProtectError::kOk
                  ? by_nonce_.find(h.nonce)
                  : by_nonce_.end();
    if (it == by_nonce_.end()) {
      ++dropped_;
      return;
    }
    Session& s = sessions_[it->second];
    plain_.resize(message.size());
    protocol::OpenedMessage opened;
    protocol::LogResponseContent c;
    if (protocol::Open(protocol::ProtectionOf(protocol::MessageType::kLogResponse), message,
                       {nullptr, &s.keys}, plain_, &opened) != protocol::ProtectError::kOk ||
        opened.header.type != protocol::MessageType::kLogResponse ||
        protocol::Decode(opened.content, &c) != protocol::DecodeError::kNone ||
        !crypto::ConstantTimeEqual(c.session_id, s.id)) {
      ++dropped_;
      return;
    }
    const size_t index = it->second;
    by_nonce_.erase(it);
    uint64_t nonce;
    do {
      nonce = crypto::RandomU64();
    } while (nonce == 0 || by_nonce_.count(nonce) != 0);
    Bytes der;
    Check(protocol::Encode(protocol::LogRequestContent{s.id}, &der), "encode LogRequest");
    auto sealed = protocol::SealToBytes(protocol::ProtectionOf(protocol::MessageType::kLogRequest),
                                        nonce, der, {nullptr, &s.keys});
    Check(sealed.ok(), "seal LogRequest");
    by_nonce_[nonce] = index;
    out_.push_back({peer, std::move(*sealed), false});
  }
  uint64_t dropped() const { return dropped_; }

 private:
  struct Session {
    std::array<uint8_t, protocol::kSessionIdLen> id;
    protocol::SessionKeys keys;
  };
  std::vector<Session> sessions_;
  std::unordered_map<uint64_t, size_t> by_nonce_;
  Bytes plain_;
  uint64_t dropped_ = 0;
};

// EchoSink sends every datagram back as it came.
class EchoSink : public AnswerSink {
 public:
  void OnMessage(const control::PeerRef& peer, ByteView message, uint64_t) override {
    out_.push_back({peer, Bytes(message.begin(), message.end()), false});
  }
};

// TransportThread runs `sink` on a KernelTransport bound to 127.0.0.1 (UDP, ephemeral port) on
// its own thread pinned to `cpu`; stopped and joined by the destructor.
class TransportThread {
 public:
  TransportThread(dataplane::TransportSink& sink, int cpu) {
    dataplane::KernelTransportOptions o;
    o.udp = {{"127.0.0.1", 0}};
    o.tcp = {};
    o.announce = {};
    transport_ = std::make_unique<dataplane::KernelTransport>(o);
    Status s = transport_->Open();
    Check(s.ok(), "transport: " + (s.ok() ? std::string() : s.error()));
    port_ = transport_->udp_ports().at(0);
    thread_ = std::thread([this, &sink, cpu] {
      PinTo(cpu);
      (void)transport_->Run(sink);
    });
  }
  ~TransportThread() {
    transport_->Stop();
    thread_.join();
  }
  TransportThread(const TransportThread&) = delete;
  TransportThread& operator=(const TransportThread&) = delete;

  uint16_t port() const { return port_; }
  // CpuSeconds: the loop thread's CPU time so far.
  double CpuSeconds() {
    clockid_t clock;
    timespec ts{};
    if (pthread_getcpuclockid(thread_.native_handle(), &clock) != 0 ||
        clock_gettime(clock, &ts) != 0) {
      return 0;
    }
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }

 private:
  std::unique_ptr<dataplane::KernelTransport> transport_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// KeyedCams: the CAM side, one connected UDP socket per session. With `echo` the CAM sends back
// what it received unopened (for EchoSink).
class KeyedCams {
 public:
  KeyedCams(const std::vector<KeyedSecrets>& secrets, uint16_t port, bool echo)
      : echo_(echo), epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (size_t i = 0; i < secrets.size(); ++i) {
      Cam& c = cams_.emplace_back(Cam{secrets[i].session_id, secrets[i].Keys(), -1});
      c.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      Check(connect(c.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0, "connect");
      epoll_event ev{EPOLLIN, {.u64 = i}};
      epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
      const Bytes first = LogResponse(c, secrets[i].first_nonce);
      send(c.fd, first.data(), first.size(), 0);
    }
  }
  ~KeyedCams() {
    for (Cam& c : cams_) {
      close(c.fd);
    }
    close(epoll_);
  }
  KeyedCams(const KeyedCams&) = delete;
  KeyedCams& operator=(const KeyedCams&) = delete;

  // Run answers `count` more requests; false if the CASS went quiet for 2 s or a request failed
  // to open.
  bool Run(uint64_t count) {
    epoll_event events[64];
    uint8_t buf[2048];
    for (uint64_t done = 0; done < count;) {
      const int n = epoll_wait(epoll_, events, 64, 2000);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return false;
      }
      for (int e = 0; e < n; ++e) {
        Cam& c = cams_[events[e].data.u64];
        const ssize_t len = recv(c.fd, buf, sizeof buf, 0);
        if (len <= 0) {
          continue;
        }
        const ByteView m(buf, size_t(len));
        const Bytes answer = echo_ ? Bytes(m.begin(), m.end()) : Answer(c, m);
        if (answer.empty()) {
          return false;
        }
        send(c.fd, answer.data(), answer.size(), 0);
        ++done;
      }
    }
    return true;
  }

 private:
  struct Cam {
    std::array<uint8_t, protocol::kSessionIdLen> id;
    protocol::SessionKeys keys;
    int fd;
  };

  // Answer opens a LogRequest and seals the LogResponse under its nonce; empty if it fails.
  Bytes Answer(Cam& c, ByteView m) {
    plain_.resize(m.size());
    protocol::OpenedMessage opened;
    protocol::LogRequestContent request;
    if (protocol::Open(protocol::ProtectionOf(protocol::MessageType::kLogRequest), m,
                       {nullptr, &c.keys}, plain_, &opened) != protocol::ProtectError::kOk ||
        opened.header.type != protocol::MessageType::kLogRequest ||
        protocol::Decode(opened.content, &request) != protocol::DecodeError::kNone ||
        !crypto::ConstantTimeEqual(request.session_id, c.id)) {
      return {};
    }
    return LogResponse(c, opened.header.nonce);
  }

  Bytes LogResponse(const Cam& c, uint64_t nonce) {
    static constexpr std::array<uint8_t, 32> kInfo = {'b', 'e', 'n', 'c', 'h'};
    Bytes der;
    Check(protocol::Encode(protocol::LogResponseContent{c.id, ByteView(kInfo)}, &der),
          "encode LogResponse");
    auto sealed = protocol::SealToBytes(protocol::ProtectionOf(protocol::MessageType::kLogResponse),
                                        nonce, der, {nullptr, &c.keys});
    Check(sealed.ok(), "seal LogResponse");
    return std::move(*sealed);
  }

  bool echo_;
  int epoll_ = -1;
  std::vector<Cam> cams_;
  Bytes plain_;
};

}  // namespace rcas::perf
