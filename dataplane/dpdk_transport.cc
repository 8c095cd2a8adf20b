// DpdkTransport's control-thread side: lcore launch and stop, the rings to and from the
// workers.

#include "dataplane/dpdk_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <rte_lcore.h>
#include <rte_pcapng.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "dataplane/dpdk_internal.h"

namespace rcas::dataplane {
namespace {

int WorkerMain(void* arg) {
  static_cast<Worker*>(arg)->Run();
  return 0;
}

void FreeRing(rte_ring* r) {
  void* objs[kBurst];
  unsigned n = 0;
  while ((n = rte_ring_dequeue_burst(r, objs, kBurst, nullptr)) > 0) {
    rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
  }
}

}  // namespace

DpdkTransport::Impl::~Impl() {
  workers.clear();  // rings first: they may hold mbufs of the pools
  if (capture != nullptr) {
    rte_pcapng_close(capture);
  }
  if (port_started) {
    rte_eth_dev_stop(port);
  }
  rte_eth_dev_close(port);
  rte_mempool_free(capture_pool);
  rte_mempool_free(big_pool);
  rte_mempool_free(pool);
  if (event_fd >= 0) {
    close(event_fd);
  }
}

// Notify wakes the control thread once per drain: a worker writes the eventfd only when no
// wake-up is pending, so a flood costs one write per control-thread turn, not one per burst.
void DpdkTransport::Impl::Notify() {
  if (!notified.exchange(true, std::memory_order_acq_rel)) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(event_fd, &one, sizeof one);
  }
}

DpdkTransport::DpdkTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  RegisterTelemetry(this);
}

DpdkTransport::~DpdkTransport() {
  RegisterTelemetry(nullptr);
  Stop();
}

Status DpdkTransport::Start() {
  if (int rc = rte_eth_dev_start(impl_->port); rc != 0) {
    return Error{std::string("dpdk: rte_eth_dev_start: ") + rte_strerror(-rc)};
  }
  impl_->port_started = true;
  rte_eth_allmulticast_enable(impl_->port);  // IPv6 ND arrives on solicited-node groups
  impl_->started = true;
  if (impl_->options.workers == 0) {
    return OkStatus();
  }
  size_t next = 0;
  unsigned lcore = 0;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (next == impl_->workers.size()) {
      break;
    }
    if (int rc = rte_eal_remote_launch(WorkerMain, impl_->workers[next].get(), lcore); rc != 0) {
      Stop();
      return Error{"dpdk: cannot launch a worker on lcore " + std::to_string(lcore)};
    }
    impl_->workers[next]->lcore = lcore;
    ++next;
  }
  return OkStatus();
}

void DpdkTransport::Stop() {
  if (!impl_->started) {
    return;
  }
  impl_->started = false;
  impl_->stop.store(true, std::memory_order_release);
  for (auto& w : impl_->workers) {
    if (w->lcore != 0) {
      rte_eal_wait_lcore(w->lcore);
    }
    w->FlushTx();
  }
  StopCapture();
  for (auto& w : impl_->workers) {
    FreeRing(w->to_control);
    FreeRing(w->tx_ring);
    FreeRing(w->capture);
    void* cmd = nullptr;
    while (rte_ring_dequeue(w->commands, &cmd) == 0) {
      delete static_cast<FlowCommand*>(cmd);
    }
  }
  rte_eth_dev_stop(impl_->port);
  impl_->port_started = false;
}

bool DpdkTransport::PollWorkers() {
  bool busy = false;
  for (auto& w : impl_->workers) {
    busy |= w->Turn();
  }
  return busy;
}

int DpdkTransport::event_fd() const { return impl_->event_fd; }

size_t DpdkTransport::Drain(const std::function<void(const DpdkMessage&)>& fn, size_t max) {
  uint64_t value = 0;
  [[maybe_unused]] ssize_t r = read(impl_->event_fd, &value, sizeof value);
  impl_->notified.store(false, std::memory_order_release);  // before the dequeues: no lost wake
  size_t done = 0;
  bool more = false;
  DpdkMessage msg;  // reused: FillPeer rewrites only the address octets in use
  for (auto& w : impl_->workers) {
    rte_mbuf* pkts[kBurst];
    while (done < max) {
      const unsigned want = static_cast<unsigned>(std::min<size_t>(kBurst, max - done));
      const unsigned n =
          rte_ring_sc_dequeue_burst(w->to_control, reinterpret_cast<void**>(pkts), want, nullptr);
      for (unsigned i = 0; i < n; ++i) {
        const MbufMeta& meta = Meta(pkts[i]);
        const uint8_t* data = rte_pktmbuf_mtod(pkts[i], const uint8_t*) + meta.payload_offset;
        FillPeer(meta.peer, meta.peer_port, meta.worker, &msg.peer);
        msg.message = ByteView(data, meta.payload_len);
        msg.pre_opened = meta.pre_opened != 0;
        msg.session = meta.session;
        msg.verdict = static_cast<protocol::ProtectError>(meta.verdict);
        msg.content = ByteView(data + meta.plain_offset, meta.plain_len);
        fn(msg);
      }
      rte_pktmbuf_free_bulk(pkts, n);
      done += n;
      if (n < want) {
        break;
      }
    }
    more |= rte_ring_count(w->to_control) > 0;
  }
  WriteCapture(*impl_);
  if (more) {
    impl_->Notify();  // left for the next turn of the control loop
  }
  return done;
}

bool DpdkTransport::Send(const control::OutMessage& m) {
  auto& ev = impl_->control_events;
  const unsigned worker = m.peer.route;
  IpAddr ip;
  uint16_t port = 0;
  if (!IsDpdkPeer(m.peer) || worker >= impl_->workers.size() || !PeerAddress(m.peer, &ip, &port)) {
    ++ev[static_cast<size_t>(DpdkCounter::kSendNoWorker)];
    return false;
  }
  return QueueTx(*impl_, *impl_->workers[worker], m.bytes, ip, port, false);
}

bool DpdkTransport::Announce(ByteView datagram, const Endpoint& target) {
  std::optional<IpAddr> ip = IpAddr::Parse(target.address);
  if (!ip || impl_->workers.empty()) {
    return false;
  }
  return QueueTx(*impl_, *impl_->workers.front(), datagram, *ip, target.port, true);
}

bool QueueTx(DpdkTransport::Impl& impl, Worker& w, ByteView bytes, const IpAddr& ip, uint16_t port,
             bool announce) {
  auto& ev = impl.control_events;
  const bool big = bytes.size() + kHeadroom > RTE_MBUF_DEFAULT_DATAROOM;
  rte_mbuf* m = rte_pktmbuf_alloc(big ? impl.big_pool : impl.pool);
  if (m == nullptr) {
    ++ev[static_cast<size_t>(DpdkCounter::kSendPoolEmpty)];
    return false;
  }
  auto* data = reinterpret_cast<uint8_t*>(
      rte_pktmbuf_append(m, static_cast<uint16_t>(std::min<size_t>(bytes.size(), UINT16_MAX))));
  if (data == nullptr || bytes.size() > UINT16_MAX || rte_pktmbuf_headroom(m) < kHeadroom) {
    rte_pktmbuf_free(m);
    ++ev[static_cast<size_t>(DpdkCounter::kTxTooBig)];
    return false;
  }
  std::memcpy(data, bytes.data(), bytes.size());
  MbufMeta& meta = Meta(m);
  meta = MbufMeta{};
  meta.peer = ip;
  meta.peer_port = port;
  meta.announce = announce ? 1 : 0;
  if (rte_ring_sp_enqueue(w.tx_ring, m) != 0) {
    rte_pktmbuf_free(m);
    ++ev[static_cast<size_t>(DpdkCounter::kSendRingFull)];
    return false;
  }
  return true;
}

void DpdkTransport::InstallKeys(const control::PeerRef& peer, uint64_t session,
                                const protocol::FlowKeys& keys) {
  QueueCommand(*impl_, peer, session, &keys);
}

void DpdkTransport::RemoveFlow(const control::PeerRef& peer, uint64_t session) {
  QueueCommand(*impl_, peer, session, nullptr);
}

void QueueCommand(DpdkTransport::Impl& impl, const control::PeerRef& peer, uint64_t session,
                  const protocol::FlowKeys* keys) {
  const unsigned worker = peer.route;
  IpAddr ip;
  uint16_t port = 0;
  if (!IsDpdkPeer(peer) || worker >= impl.workers.size() || !PeerAddress(peer, &ip, &port)) {
    return;
  }
  auto cmd = std::make_unique<FlowCommand>();
  cmd->install = keys != nullptr;
  cmd->key = FlowKeyOf(ip, port);
  cmd->session = session;
  if (keys != nullptr) {
    cmd->keys = *keys;
  }
  if (rte_ring_sp_enqueue(impl.workers[worker]->commands, cmd.get()) != 0) {
    ++impl.control_events[static_cast<size_t>(DpdkCounter::kSendRingFull)];
    return;  // the worker keeps sending this peer's messages raw: the engine opens them
  }
  cmd.release();
}

namespace {

// AddWorker adds worker `w`'s counters to `s` (read from another thread: single-writer words).
void AddWorker(const Worker& w, DpdkStats* s) {
  for (size_t i = 0; i < s->events.size(); ++i) {
    s->events[i] += w.events[i];
  }
  for (size_t i = 0; i < s->frames.size(); ++i) {
    s->frames[i] += w.frames[i];
  }
  const auto& keyed = w.stage.counters();
  for (size_t i = 0; i < s->keyed.size(); ++i) {
    s->keyed[i] += keyed[i];
  }
  for (size_t i = 0; i < s->reassembly.size(); ++i) {
    s->reassembly[i] += w.reassembler.Count(static_cast<ReassemblyVerdict>(i));
  }
}

}  // namespace

DpdkStats DpdkTransport::stats() const {
  DpdkStats s;
  s.events = impl_->control_events;
  for (const auto& w : impl_->workers) {
    AddWorker(*w, &s);
  }
  return s;
}

DpdkStats DpdkTransport::worker_stats(unsigned worker) const {
  DpdkStats s;
  if (worker < impl_->workers.size()) {
    AddWorker(*impl_->workers[worker], &s);
  }
  return s;
}

unsigned DpdkTransport::workers() const { return static_cast<unsigned>(impl_->workers.size()); }
uint16_t DpdkTransport::port_id() const { return impl_->port; }

std::string DpdkTransport::mac() const {
  char text[18];
  const MacAddr& m = impl_->local.mac;
  snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return text;
}

}  // namespace rcas::dataplane
