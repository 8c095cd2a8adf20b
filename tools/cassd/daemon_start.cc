// CassDaemon start-up: store, AC, RSA, campaign catalog and image servers, PKI, engine, announcer
// and campaign, sockets, signals; in that order, each failure named (docs/cassd.md).

#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "tools/cassd/daemon.h"
#include "tools/cassd/state.h"

namespace rcas::tools::cassd {
namespace {

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{path + ": cannot be read"};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<dataplane::Endpoint> WithPort(const std::vector<std::string>& addresses,
                                          uint16_t port) {
  std::vector<dataplane::Endpoint> out;
  for (const std::string& a : addresses) {
    out.push_back({a, port});
  }
  return out;
}

const char* StateName(control::SessionState s) {
  using control::SessionState;
  switch (s) {
    case SessionState::kAcWait:
      return "ac-wait";
    case SessionState::kSigning:
      return "signing";
    case SessionState::kWaitCamReg:
      return "wait-camreg";
    case SessionState::kAcWaitCamReg:
      return "ac-wait-camreg";
    case SessionState::kEstablished:
      return "established";
    case SessionState::kWaitRenewConfirm:
      return "wait-renewconfirm";
    case SessionState::kWaitPurchaseReport:
      return "wait-purchasereport";
    case SessionState::kWaitLogResponse:
      return "wait-logresponse";
    case SessionState::kClosed:
      return "closed";
  }
  return "unknown";
}

}  // namespace

uint64_t UnixMs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1'000'000;
}

Result<std::unique_ptr<CassDaemon>> CassDaemon::Start(const CassdConfig& config, Log& log) {
  std::unique_ptr<CassDaemon> d(new CassDaemon(config, log));
  if (Status s = d->OpenBackend(); !s.ok()) {
    return Error{s.error()};
  }
  if (Status s = d->OpenFrontend(); !s.ok()) {
    return Error{s.error()};
  }
  return d;
}

// OpenBackend: the AC store and service, the RSA batcher and the image service.
Status CassDaemon::OpenBackend() {
  storage::StoreOptions so;
  so.path = config_.db;
  auto store = storage::AcStore::Open(so);
  if (!store.ok()) {
    return Error{"[ac].db " + config_.db + ": " + store.error()};
  }
  store_ = std::move(*store);
  std::shared_ptr<const crypto::RsaPrivateKey> root_key;
  if (!config_.root_key.empty()) {
    auto pem = ReadText(config_.root_key);
    auto key = pem.ok() ? crypto::RsaPrivateKey::FromPem(*pem)
                        : Result<crypto::RsaPrivateKey>(Error{pem.error()});
    if (!key.ok()) {
      return Error{"[ac].root_key: " + key.error()};
    }
    root_key = std::make_shared<const crypto::RsaPrivateKey>(std::move(*key));
  }
  control::AcOptions ao;
  ao.policy = config_.policy;
  ao.workers = config_.ac_workers;
  operator_cq_ = std::make_unique<control::CompletionQueue>();
  ac_ = std::make_unique<control::AcService>(*store_, root_key, ao);
  rsa_ = std::make_unique<crypto::RsaBatcher>(config_.rsa_workers, config_.rsa_queue);
  return OpenImages();
}

// OpenFrontend: the CASS's keys and zone (CHK from the kept RAND_CHK), the engine, the
// announcer, the sockets and the signalfd.
Status CassDaemon::OpenFrontend() {
  auto cert_pem = ReadText(config_.certificate);
  auto cert = cert_pem.ok() ? crypto::CertificatePemToDer(*cert_pem)
                            : Result<Bytes>(Error{cert_pem.error()});
  auto key_pem = ReadText(config_.key);
  auto key = key_pem.ok() ? crypto::RsaPrivateKey::FromPem(*key_pem)
                          : Result<crypto::RsaPrivateKey>(Error{key_pem.error()});
  auto root_pem = ReadText(config_.ac_root);
  auto root = root_pem.ok() ? crypto::TrustAnchor::FromPem(*root_pem)
                            : Result<crypto::TrustAnchor>(Error{root_pem.error()});
  if (!cert.ok() || !key.ok() || !root.ok()) {
    return Error{!cert.ok()  ? "[cass].certificate: " + cert.error()
                 : !key.ok() ? "[cass].key: " + key.error()
                             : "[cass].ac_root: " + root.error()};
  }
  // The CAMs run these checks (§10.4); a certificate they would refuse is a config error.
  const auto checked = crypto::CheckCassCertificate(*root, *cert, config_.cass_id, UnixMs() / 1000);
  if (!checked.ok()) {
    return Error{"[cass].certificate fails the CAM's checks for [cass].id: " +
                 std::string(crypto::CertCheckName(checked.reason))};
  }
  bool created = false;
  auto rand_chk = LoadRandChk(config_.state_dir, &created);
  if (!rand_chk.ok()) {
    return Error{"[cass].state_dir: " + rand_chk.error()};
  }
  const bool v6 = config_.address.find(':') != std::string::npos;
  const uint8_t connection = config_.announce_tcp ? 0x02 : 0x01;
  auto zone = control::CassZone::Make(
      {config_.cass_id, uint8_t(v6 ? 0x02 : 0x01), config_.address, connection, config_.port});
  if (!zone.ok()) {
    return Error{"[listen]: " + zone.error()};
  }
  zone->UseRandChk(*rand_chk);
  control::CassEngineConfig ec;
  ec.cass_certificate_der = *cert;
  ec.cass_key = std::make_shared<const crypto::RsaBatchKey>(std::move(*key));
  ec.ac_root = std::make_shared<const crypto::TrustAnchor>(std::move(*root));
  ec.annex_c_mode = config_.policy.mode;
  ec.c1_cache_capacity = config_.c1_cache;
  ec.verify_on_rsa_workers = config_.verify_on_rsa_workers;
  ec.on_status = [this](const control::CassSession* s, protocol::StatusCode code) {
    char hex[8];
    snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(code));
    log_.Info("status-sent", {{"code", hex}, {"cam_id", s ? ToHex(s->cam_id) : "unknown"}});
  };
  ec.on_session_end = [this](const control::CassSession& s, bool failed) {
    ++sessions_ended_;
    log_.Info("session-end", {{"cam_id", ToHex(s.cam_id)},
                              {"session", ToHex(s.session_id)},
                              {"mode", s.mode == protocol::KeyMode::kFast ? "fast" : "normal"},
                              {"transport", s.peer.tcp() ? "tcp" : "udp"},
                              {"outcome", failed ? "failed" : "ok"},
                              {"state", StateName(s.state)}});
  };
  if (Status s = OpenDpdk(ec); !s.ok()) {
    return Error{"[dpdk]: " + s.error()};
  }
  const uint64_t now = UnixMs();
  engine_ = std::make_unique<control::CassEngine>(std::move(ec), std::move(*zone), *ac_, *store_,
                                                  *rsa_, *campaign_, *publisher_, now);
  control::AnnounceZone az;
  az.protocol_type_flag = config_.fast_mode ? 0x02 : 0x01;
  az.cass_id = config_.cass_id;
  az.ip_addr_type = v6 ? 0x02 : 0x01;
  az.ip_addr = config_.address;
  az.connection_type = connection;
  az.listening_port = config_.port;
  az.offers = config_.offers;
  auto announcer = control::AnnounceScheduler::Create(*store_, engine_->zone().chk(), std::move(az),
                                                      config_.announce, now);
  if (!announcer.ok()) {
    return Error{"[announce]: " + announcer.error()};
  }
  announcer_ = std::move(*announcer);
  if (Status s = StartCampaign(now); !s.ok()) {
    return s;
  }
  dataplane::KernelTransportOptions to;
  to.udp = WithPort(config_.udp, config_.port);
  to.tcp = WithPort(config_.tcp, config_.port);
  if (!dpdk_) {  // else announcements leave through the port (RouteToDpdk)
    to.announce = config_.announce_targets;
  } else {
    to.announce.clear();
  }
  to.multicast = config_.multicast;
  to.max_connections = config_.max_connections;
  transport_ = std::make_unique<dataplane::KernelTransport>(to);
  if (Status s = transport_->Open(); !s.ok()) {
    return Error{"[listen]: " + s.error()};
  }
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    sigaddset(&mask, sig);
  }
  signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) {
    return Error{"signalfd failed"};
  }
  transport_->Watch(signal_fd_);
  transport_->Watch(engine_->ac_event_fd());
  transport_->Watch(engine_->rsa_event_fd());
  if (dpdk_) {
    transport_->Watch(dpdk_->event_fd());
  }
  log_.Info("state", {{"rand_chk", created ? "drawn" : "kept"}, {"dir", config_.state_dir}});
  return OpenControl();
}

CassDaemon::~CassDaemon() {
  JoinPublisher();
  control_.reset();  // removes the socket file
  if (publish_done_fd_ >= 0) {
    close(publish_done_fd_);
  }
  transport_.reset();
  if (dpdk_) {
    dpdk_->Stop();
  }
  if (signal_fd_ >= 0) {
    close(signal_fd_);
  }
  announcer_.reset();
  engine_.reset();
  if (images_) {
    images_->Stop();
  }
}

}  // namespace rcas::tools::cassd
