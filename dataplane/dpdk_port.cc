// EAL start and the port's configuration: the pool, one RX/TX queue pair per worker, RSS on the
// UDP 4-tuple (masked by what the port offers) so a CAM always lands on the same worker, and
// the IPv4 header and UDP checksum offloads the port has.

#include <rte_eal.h>
#include <rte_lcore.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dataplane/dpdk_internal.h"

namespace rcas::dataplane {
namespace {

Status PortError(const char* what, int rc) {
  return Error{std::string(what) + ": " + rte_strerror(rc < 0 ? -rc : rc)};
}

Status ConfigurePort(DpdkTransport::Impl& impl, uint16_t queues) {
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(impl.port, &info); rc != 0) {
    return PortError("rte_eth_dev_info_get", rc);
  }
  if (queues > info.max_rx_queues || queues > info.max_tx_queues) {
    return Error{"dpdk: the port has " + std::to_string(info.max_rx_queues) +
                 " queues, workers = " + std::to_string(queues)};
  }
  rte_eth_conf conf{};
  if (queues > 1 && impl.options.workers > 0) {
    const uint64_t udp = RTE_ETH_RSS_UDP & info.flow_type_rss_offloads;
    if (udp == 0) {  // without RSS a CAM's datagrams would spread over workers and flows
      return Error{"dpdk: the port offers no RSS on UDP; use workers = 1"};
    }
    // Fragments carry no ports: hashed by their addresses where the port can, they spread by
    // CAM instead of all landing on queue 0 (a storm of fragmented first requests). Either
    // way a CAM's fragments and whole datagrams may reach different workers; the engine
    // moves its flow with it (PeerRef::route, docs/dataplane.md).
    const uint64_t rss =
        udp | ((RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_FRAG_IPV6) & info.flow_type_rss_offloads);
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = rss;
  }
  if (impl.options.checksum_offload) {  // where offered; the rest stays in software
    const uint64_t rx = info.rx_offload_capa;
    const uint64_t tx = info.tx_offload_capa;
    impl.rx_nic.ipv4_header = (rx & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
    impl.rx_nic.udp = (rx & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) != 0;
    impl.tx_nic.ipv4_header = (tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
    impl.tx_nic.udp = (tx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
    conf.rxmode.offloads = rx & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
    conf.txmode.offloads = tx & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
  }
  if (int rc = rte_eth_dev_configure(impl.port, queues, queues, &conf); rc != 0) {
    return PortError("rte_eth_dev_configure", rc);
  }
  uint16_t rxd = impl.options.rx_descriptors;
  uint16_t txd = impl.options.tx_descriptors;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(impl.port, &rxd, &txd); rc != 0) {
    return PortError("rte_eth_dev_adjust_nb_rx_tx_desc", rc);
  }
  const int socket = rte_eth_dev_socket_id(impl.port);
  const unsigned sock = socket < 0 ? SOCKET_ID_ANY : static_cast<unsigned>(socket);
  for (uint16_t q = 0; q < queues; ++q) {
    if (int rc = rte_eth_rx_queue_setup(impl.port, q, rxd, sock, nullptr, impl.pool); rc != 0) {
      return PortError("rte_eth_rx_queue_setup", rc);
    }
    if (int rc = rte_eth_tx_queue_setup(impl.port, q, txd, sock, nullptr); rc != 0) {
      return PortError("rte_eth_tx_queue_setup", rc);
    }
  }
  rte_ether_addr mac{};
  if (int rc = rte_eth_macaddr_get(impl.port, &mac); rc != 0) {
    return PortError("rte_eth_macaddr_get", rc);
  }
  std::copy(mac.addr_bytes, mac.addr_bytes + 6, impl.local.mac.begin());
  if (rte_eth_dev_get_mtu(impl.port, &impl.mtu) != 0 || impl.mtu < 576) {
    impl.mtu = 1500;  // vdevs that do not say: Ethernet's
  }
  return OkStatus();
}

Status SetAddresses(DpdkTransport::Impl& impl) {
  if (!impl.options.address.empty()) {
    std::optional<IpAddr> a = IpAddr::Parse(impl.options.address);
    if (!a || a->v6) {
      return Error{"dpdk: address is not an IPv4 address: " + impl.options.address};
    }
    impl.local.v4 = *a;
  }
  if (!impl.options.address6.empty()) {
    std::optional<IpAddr> a = IpAddr::Parse(impl.options.address6);
    if (!a || !a->v6) {
      return Error{"dpdk: address6 is not an IPv6 address: " + impl.options.address6};
    }
    impl.local.v6 = *a;
  }
  if (!impl.local.v4 && !impl.local.v6) {
    return Error{"dpdk: the port needs an address or address6"};
  }
  impl.local.v6_link_local = LinkLocalFromMac(impl.local.mac);
  return OkStatus();
}

}  // namespace

Status InitEal(const std::vector<std::string>& args) {
  std::vector<std::string> copy = {"rcas-dpdk"};
  copy.insert(copy.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : copy) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(copy.size()), argv.data()) < 0) {
    return Error{std::string("dpdk: rte_eal_init failed: ") + rte_strerror(rte_errno)};
  }
  return OkStatus();
}

void CleanupEal() {
  const std::string runtime = rte_eal_get_runtime_dir();
  rte_eal_cleanup();
  // The telemetry socket outlives rte_eal_cleanup in 22.11; without shared config (--no-shconf)
  // nothing else is left, so the run leaves no folder behind. Kept if anything else is there.
  unlink((runtime + "/dpdk_telemetry.v2").c_str());
  rmdir(runtime.c_str());
}

Result<std::unique_ptr<DpdkTransport>> DpdkTransport::Open(const DpdkOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (rte_eth_dev_get_port_by_name(options.device.c_str(), &impl->port) != 0) {
    return Error{"dpdk: no port named " + options.device + " (see the EAL's --vdev/-a)"};
  }
  if (options.workers > 0 && rte_lcore_count() < options.workers + 1) {
    return Error{"dpdk: workers = " + std::to_string(options.workers) + " needs " +
                 std::to_string(options.workers + 1) + " EAL lcores (-l), have " +
                 std::to_string(rte_lcore_count())};
  }
  const uint16_t queues = static_cast<uint16_t>(
      options.workers == 0 ? std::max(1u, options.poll_queues) : options.workers);
  constexpr uint16_t kPriv = RTE_ALIGN(sizeof(MbufMeta), RTE_MBUF_PRIV_ALIGN);
  impl->pool = rte_pktmbuf_pool_create("rcas_pool", options.mbufs, 256, kPriv,
                                       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
  impl->big_pool =
      rte_pktmbuf_pool_create("rcas_big", options.big_mbufs, 0, kPriv, UINT16_MAX, rte_socket_id());
  if (impl->pool == nullptr || impl->big_pool == nullptr) {
    return Error{std::string("dpdk: mbuf pool: ") + rte_strerror(rte_errno)};
  }
  if (Status s = ConfigurePort(*impl, queues); !s.ok()) {
    return Error{s.error()};
  }
  if (Status s = SetAddresses(*impl); !s.ok()) {
    return Error{s.error()};
  }
  impl->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->event_fd < 0) {
    return Error{"dpdk: eventfd failed"};
  }
  for (uint16_t q = 0; q < queues; ++q) {
    impl->workers.push_back(std::make_unique<Worker>(*impl, q, options.flows));
    Worker& w = *impl->workers.back();
    if (w.to_control == nullptr || w.tx_ring == nullptr || w.commands == nullptr ||
        w.capture == nullptr) {
      return Error{std::string("dpdk: ring: ") + rte_strerror(rte_errno)};
    }
  }
  return std::unique_ptr<DpdkTransport>(new DpdkTransport(std::move(impl)));
}

}  // namespace rcas::dataplane
