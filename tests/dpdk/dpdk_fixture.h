#pragma once
// DpdkPortTest: one DpdkTransport on a net_ring port made from two rte_rings the test owns, so
// crafted frames go in and the worker's frames come out without a NIC, hugepages or a thread
// (workers = 0: the test turns the worker's loop with PollWorkers). The EAL is started once per
// process (dpdk_env.cc) with --no-huge --no-pci and a file prefix of its own.

#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/dpdk_transport.h"
#include "dataplane/frame.h"

namespace rcas::dataplane::testing {

inline const MacAddr kGatewayMacUnset{};
inline const MacAddr kCamMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07};
inline constexpr char kGatewayV4[] = "10.77.0.1";
inline constexpr char kCamV4[] = "10.77.0.2";
inline constexpr char kGatewayV6[] = "fd77::1";
inline constexpr char kCamV6[] = "fd77::2";
inline constexpr uint16_t kCamPort = 40001;

// TestOptions: both addresses, no worker lcore (the test turns the loop), small pools.
DpdkOptions TestOptions();

class DpdkPortTest : public ::testing::Test {
 public:  // shared helpers of the tests below call them too
  void SetUp() override;
  void TearDown() override;

  // Open makes the port and the transport (called by SetUp with the defaults).
  void Open(DpdkOptions options);
  // Inject puts one frame on the RX ring of `queue` (< options.poll_queues).
  void Inject(ByteView frame, unsigned queue = 0);
  // Turn runs the worker's loop a few times.
  void Turn(int times = 3);
  // Sent takes every frame the worker of `queue` transmitted.
  std::vector<Bytes> Sent(unsigned queue = 0);
  // Messages drains what reached the control thread.
  std::vector<DpdkMessage> Messages();
  // UdpFrame builds a frame from the CAM (v4 or v6) to the gateway's RCAS port.
  Bytes UdpFrame(ByteView payload, bool v6 = false, uint16_t dst_port = 49104) const;
  control::PeerRef CamPeer(bool v6 = false) const;
  MacAddr gateway_mac() const { return gateway_mac_; }

  std::unique_ptr<DpdkTransport> transport_;
  static constexpr unsigned kMaxQueues = 2;
  std::array<rte_ring*, kMaxQueues> rx_{};  // one RX and one TX ring per queue
  std::array<rte_ring*, kMaxQueues> tx_{};
  unsigned queues_ = 1;
  rte_mempool* pool_ = nullptr;
  MacAddr gateway_mac_{};
  std::vector<Bytes> message_copies_;  // Messages' views, kept alive for the test
  static int next_;
};

}  // namespace rcas::dataplane::testing
