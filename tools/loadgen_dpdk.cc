// The DPDK LoadTransport (loadgen_transport.h, issue 6), its port: one RX and one TX queue on a
// port the generator owns whole, no RSS (one polling thread), and the CASS's MAC by ARP.
// Frames and fragments are made and read by the gateway's own frame code (loadgen_dpdk_io.cc),
// so both ends of a run agree on every header by construction.

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include <algorithm>
#include <atomic>

#include "tools/loadgen_dpdk_internal.h"

namespace rcas::tools {
namespace {

using dataplane::IpAddr;

constexpr uint64_t kArpEveryMs = 200;
constexpr uint64_t kArpForMs = 3000;

Status PortError(const char* what, int rc) {
  return Error{std::string("dpdk loadgen: ") + what + ": " + rte_strerror(rc < 0 ? -rc : rc)};
}

}  // namespace

DpdkLoadTransport::DpdkLoadTransport(const DpdkTransportOptions& options)
    : options_(options),
      scratch_(kHeaders + kMaxDatagram),
      // A KeyResponse with the CASS certificate comes in two fragments, back to back; 64 slots
      // leave room for many sessions' answers interleaving.
      reassembler_(dataplane::ReassemblyConfig{.slots = 64, .max_datagram = 16384}) {
  tx_queue_.reserve(kTxQueue);
  ends_datagram_.reserve(kTxQueue);
}

DpdkLoadTransport::~DpdkLoadTransport() {
  rte_pktmbuf_free_bulk(tx_queue_.data(), static_cast<unsigned>(tx_queue_.size()));
  if (port_started_) {
    rte_eth_dev_stop(port_);
  }
  if (have_port_) {
    rte_eth_dev_close(port_);
  }
  rte_mempool_free(pool_);
}

Status DpdkLoadTransport::CheckOptions() {
  const std::optional<IpAddr> first = IpAddr::Parse(options_.first_address);
  if (!first || first->v6) {
    return Error{"dpdk loadgen: first_address is not an IPv4 address: " + options_.first_address};
  }
  const std::optional<IpAddr> cass = IpAddr::Parse(options_.cass_address);
  if (!cass || cass->v6) {
    return Error{"dpdk loadgen: cass_address is not an IPv4 address: " + options_.cass_address};
  }
  first_ip_ = LoadBe32(first->b.data());
  cass_ip_ = *cass;
  const uint64_t flows = uint64_t{options_.addresses} * options_.ports_per_address;
  if (flows == 0 || flows > UINT32_MAX ||
      uint64_t{first_ip_} + options_.addresses - 1 > UINT32_MAX ||
      uint64_t{options_.first_port} + options_.ports_per_address - 1 > UINT16_MAX) {
    return Error{"dpdk loadgen: " + std::to_string(options_.addresses) + " addresses from " +
                 options_.first_address + " x " + std::to_string(options_.ports_per_address) +
                 " ports from " + std::to_string(options_.first_port) + " is empty or overflows"};
  }
  flows_ = static_cast<uint32_t>(flows);
  if (!options_.cass_mac.empty()) {
    rte_ether_addr mac{};
    if (rte_ether_unformat_addr(options_.cass_mac.c_str(), &mac) != 0) {
      return Error{"dpdk loadgen: cass_mac is not a MAC address: " + options_.cass_mac};
    }
    cass_mac_.emplace();
    std::copy(mac.addr_bytes, mac.addr_bytes + 6, cass_mac_->begin());
  }
  return OkStatus();
}

Status DpdkLoadTransport::ConfigurePort() {
  rte_eth_conf conf{};  // one queue each way: no RSS, no offloads (checksums in software)
  if (int rc = rte_eth_dev_configure(port_, 1, 1, &conf); rc != 0) {
    return PortError("rte_eth_dev_configure", rc);
  }
  uint16_t rxd = 1024;
  uint16_t txd = 1024;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_, &rxd, &txd); rc != 0) {
    return PortError("rte_eth_dev_adjust_nb_rx_tx_desc", rc);
  }
  const int socket = rte_eth_dev_socket_id(port_);
  const unsigned sock = socket < 0 ? SOCKET_ID_ANY : static_cast<unsigned>(socket);
  if (int rc = rte_eth_rx_queue_setup(port_, 0, rxd, sock, nullptr, pool_); rc != 0) {
    return PortError("rte_eth_rx_queue_setup", rc);
  }
  if (int rc = rte_eth_tx_queue_setup(port_, 0, txd, sock, nullptr); rc != 0) {
    return PortError("rte_eth_tx_queue_setup", rc);
  }
  rte_ether_addr mac{};
  if (int rc = rte_eth_macaddr_get(port_, &mac); rc != 0) {
    return PortError("rte_eth_macaddr_get", rc);
  }
  // A port without a MAC of its own (net_ring says 00:00:00:00:00:00) gets a random locally
  // administered one: the gateway takes an all-zero neighbour for unresolved and never answers.
  if (rte_is_zero_ether_addr(&mac)) {
    rte_eth_random_addr(mac.addr_bytes);
  }
  std::copy(mac.addr_bytes, mac.addr_bytes + 6, mac_.begin());
  // Frames are cut for 2 KiB mbufs: a port with a larger MTU still gets Ethernet's.
  uint16_t mtu = 0;
  if (rte_eth_dev_get_mtu(port_, &mtu) == 0 && mtu >= 576 && mtu < 1500) {
    mtu_ = mtu;
  }
  if (int rc = rte_eth_dev_start(port_); rc != 0) {
    return PortError("rte_eth_dev_start", rc);
  }
  port_started_ = true;
  return OkStatus();
}

Status DpdkLoadTransport::Open() {
  if (Status s = CheckOptions(); !s.ok()) {
    return s;
  }
  if (rte_eth_dev_get_port_by_name(options_.device.c_str(), &port_) != 0) {
    return Error{"dpdk loadgen: no port named " + options_.device + " (see the EAL's --vdev/-a)"};
  }
  have_port_ = true;
  static std::atomic<unsigned> next_pool{0};  // pool names are global to the EAL
  const std::string pool_name = "rcas_lg" + std::to_string(next_pool++);
  pool_ = rte_pktmbuf_pool_create(pool_name.c_str(), options_.mbufs,
                                  std::min<uint32_t>(256, options_.mbufs / 2), 0,
                                  RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
  if (pool_ == nullptr) {
    return Error{std::string("dpdk loadgen: mbuf pool: ") + rte_strerror(rte_errno)};
  }
  if (Status s = ConfigurePort(); !s.ok()) {
    return s;
  }
  tsc_hz_ = std::max<uint64_t>(1000, rte_get_tsc_hz());
  if (!cass_mac_) {
    if (Status s = ResolveCass(); !s.ok()) {
      return s;
    }
  }
  route_.src_mac = mac_;
  route_.dst_mac = *cass_mac_;
  route_.dst_ip = cass_ip_;
  route_.dst_port = options_.cass_port;
  return OkStatus();
}

// ResolveCass asks for the CASS's MAC every kArpEveryMs for kArpForMs, answering ARP for our
// own addresses meanwhile (the CASS may resolve us at the same time).
Status DpdkLoadTransport::ResolveCass() {
  dataplane::LocalAddrs me;
  me.mac = mac_;
  me.v4 = IpAddr::V4(first_ip_);
  const uint64_t start = NowMs();
  uint64_t next_request = start;
  while (!cass_mac_) {
    const uint64_t now = NowMs();
    if (now - start >= kArpForMs) {
      return Error{"dpdk loadgen: no ARP reply from the CASS " + options_.cass_address + " on " +
                   options_.device + " within 3 s (give cass_mac, or check the link)"};
    }
    if (now >= next_request) {
      next_request = now + kArpEveryMs;
      if (rte_mbuf* m = rte_pktmbuf_alloc(pool_); m != nullptr) {
        const MutableByteView buf(rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_tailroom(m));
        const size_t len = dataplane::WriteArpRequest(buf, me, cass_ip_, false, 0);
        if (len == 0) {
          rte_pktmbuf_free(m);
          return Error{"dpdk loadgen: cannot write an ARP request"};
        }
        m->data_len = static_cast<uint16_t>(len);
        m->pkt_len = static_cast<uint32_t>(len);
        Queue(m, false);  // sent below
      }
    }
    size_t delivered = 0;
    if (ReceiveBurst(nullptr, kBurst, &delivered) == 0) {
      rte_pause();
    }
    if (!tx_queue_.empty()) {
      Flush();  // our request, ARP answers for us
    }
  }
  return OkStatus();
}

uint64_t DpdkLoadTransport::NowMs() const { return rte_get_tsc_cycles() / (tsc_hz_ / 1000); }

LoadTransportStats DpdkLoadTransport::stats() const {
  LoadTransportStats s = stats_;
  s.rx_dropped += reassembler_.Count(dataplane::ReassemblyVerdict::kTimeout) +
                  reassembler_.Count(dataplane::ReassemblyVerdict::kEvicted);
  return s;
}

// Describe names the port and both MACs: an operator pinning neighbours by hand needs them.
std::string DpdkLoadTransport::Describe() const {
  char mine[RTE_ETHER_ADDR_FMT_SIZE];
  char cass[RTE_ETHER_ADDR_FMT_SIZE];
  rte_ether_addr a{};
  std::copy(mac_.begin(), mac_.end(), a.addr_bytes);
  rte_ether_format_addr(mine, sizeof mine, &a);
  std::copy(cass_mac_->begin(), cass_mac_->end(), a.addr_bytes);
  rte_ether_format_addr(cass, sizeof cass, &a);
  return "dpdk " + options_.device + " " + mine + ": " + std::to_string(options_.addresses) +
         " addresses from " + options_.first_address + " x " +
         std::to_string(options_.ports_per_address) + " ports from " +
         std::to_string(options_.first_port) + " to " + options_.cass_address + ":" +
         std::to_string(options_.cass_port) + " at " + cass + " (lcore " +
         std::to_string(options_.lcore) + ")";
}

Result<std::unique_ptr<LoadTransport>> OpenDpdkTransport(const DpdkTransportOptions& options) {
  auto t = std::make_unique<DpdkLoadTransport>(options);
  if (Status s = t->Open(); !s.ok()) {
    return Error{s.error()};
  }
  return std::unique_ptr<LoadTransport>(std::move(t));
}

}  // namespace rcas::tools
