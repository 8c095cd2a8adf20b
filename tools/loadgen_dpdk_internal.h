#pragma once
// DpdkLoadTransport: rcas-loadgen's flows on one DPDK port (loadgen_transport.h). The generator
// builds its own Ethernet/IPv4/UDP frames with the gateway's DPDK-free frame code
// (dataplane/frame.h, ip_fragment.h, ip_reassembly.h), answers ARP for its addresses and keeps
// nothing per flow: the flow number is the source (address, port). Internal: includes DPDK's
// headers; only loadgen_dpdk.cc (the port) and loadgen_dpdk_io.cc (the frames) include it.

#include <rte_config.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/frame.h"
#include "dataplane/ip_reassembly.h"
#include "tools/loadgen_transport.h"

namespace rcas::tools {

class DpdkLoadTransport final : public LoadTransport {
 public:
  explicit DpdkLoadTransport(const DpdkTransportOptions& options);
  ~DpdkLoadTransport() override;
  DpdkLoadTransport(const DpdkLoadTransport&) = delete;
  DpdkLoadTransport& operator=(const DpdkLoadTransport&) = delete;

  // Open checks the options, configures and starts the port and resolves the CASS's MAC.
  Status Open();

  uint32_t flows() const override { return flows_; }
  bool Send(uint32_t flow, ByteView datagram) override;
  void Flush() override;
  size_t Poll(LoadSink& sink, size_t max, int wait_us) override;
  LoadTransportStats stats() const override;
  std::string Describe() const override;

 private:
  static constexpr uint16_t kBurst = 32;
  static constexpr size_t kTxQueue = 256;  // frames queued by Send before Flush runs by itself
  static constexpr size_t kHeaders = dataplane::UdpHeadersLen(false, false);
  static constexpr size_t kMaxDatagram = 65507;  // IPv4's largest UDP payload (PROFILE §5.4)

  Status CheckOptions();
  Status ConfigurePort();
  Status ResolveCass();
  bool SendFragments(ByteView datagram);
  void Queue(rte_mbuf* m, bool ends_datagram);
  // ReceiveBurst reads one RX burst of at most `max` frames and returns how many it read;
  // `delivered` counts the datagrams given to `sink` (null while resolving: none are).
  uint16_t ReceiveBurst(LoadSink* sink, size_t max, size_t* delivered);
  bool Handle(rte_mbuf* m, LoadSink* sink);
  bool Deliver(ByteView frame, const dataplane::FrameView& v, LoadSink* sink);
  uint64_t NowMs() const;

  DpdkTransportOptions options_;
  uint32_t flows_ = 0;
  uint32_t first_ip_ = 0;  // host order
  dataplane::IpAddr cass_ip_;
  std::optional<dataplane::MacAddr> cass_mac_;
  dataplane::MacAddr mac_{};
  uint16_t port_ = 0;
  bool have_port_ = false;
  bool port_started_ = false;
  rte_mempool* pool_ = nullptr;
  size_t mtu_ = 1500;
  uint64_t tsc_hz_ = 1000;     // rte_get_tsc_hz() once open
  dataplane::UdpRoute route_;  // Send's headers; the source changes per flow
  std::vector<rte_mbuf*> tx_queue_;
  std::vector<uint8_t> ends_datagram_;  // per queued frame: the last frame of a datagram
  Bytes scratch_;                       // a datagram too long for one frame, before cutting
  uint16_t next_ip_id_ = 1;
  dataplane::Reassembler reassembler_;
  LoadTransportStats stats_;
};

}  // namespace rcas::tools
