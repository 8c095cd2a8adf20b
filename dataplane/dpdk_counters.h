#pragma once
// The DPDK dataplane's named counters (one X-macro list, STYLE: VPP error lists): every packet
// a worker drops or answers itself has a reason here, in FrameVerdict (dataplane/frame.h, L2-L4
// checks) or in KeyedVerdict (dataplane/keyed_stage.h, RCAS framing and the MAC burst).

#include <array>
#include <cstdint>

#include "dataplane/frame.h"
#include "dataplane/ip_reassembly.h"
#include "dataplane/keyed_stage.h"
#include "protocol/verdicts.h"

namespace rcas::dataplane {

#define RCAS_DPDK_COUNTERS(X)                                                                 \
  X(kRxPackets, "rx-packets")                                                                 \
  X(kRxBursts, "rx-bursts")            /* non-empty RX bursts */                              \
  X(kRxWrongVlan, "rx-wrong-vlan")     /* a VLAN other than the port's, or untagged */        \
  X(kRxNotOurMac, "rx-not-our-mac")    /* unicast to another MAC */                           \
  X(kRxNotOurIp, "rx-not-our-ip")      /* UDP/ICMP to an address that is not ours */          \
  X(kRxWrongPort, "rx-wrong-port")     /* UDP to a port other than the RCAS port */           \
  X(kRxNoAddress, "rx-no-address")     /* IPv4/IPv6 on a port without an address of it */     \
  X(kRxReassembled, "rx-reassembled")  /* datagrams made whole from IP fragments */           \
  X(kRxNicChecksum, "rx-nic-checksum") /* UDP checksum verified by the NIC, not here */       \
  X(kRxNoBuffer, "rx-no-buffer")       /* no mbuf for a reassembled datagram: dropped */      \
  X(kToControl, "to-control")                                                                 \
  X(kControlRingFull, "control-ring-full")     /* the control thread is behind: dropped */    \
  X(kShedFirstRequests, "shed-first-requests") /* control behind: RSA work shed first */      \
  X(kArpAnswered, "arp-answered")                                                             \
  X(kIcmpAnswered, "icmp-answered")                                                           \
  X(kIcmp6Answered, "icmp6-answered")                                                         \
  X(kNdAnswered, "nd-answered")                                                               \
  X(kNeighborsLearned, "neighbors-learned")                                                   \
  X(kTxPackets, "tx-packets")                                                                 \
  X(kTxQueueFull, "tx-queue-full")        /* the NIC queue stayed full: dropped */            \
  X(kTxNoNeighbor, "tx-no-neighbor")      /* next hop unresolved: resolution sent, dropped */ \
  X(kTxNoAddress, "tx-no-address")        /* no source address of the peer's family */        \
  X(kTxTooBig, "tx-too-big")              /* message + headers exceed the mbuf */             \
  X(kTxFragments, "tx-fragments")         /* IP fragments of answers longer than the MTU */   \
  X(kTxNicChecksum, "tx-nic-checksum")    /* UDP checksum left to the NIC */                  \
  X(kResolutionsSent, "resolutions-sent") /* ARP requests and neighbor solicitations */       \
  X(kAnnounceTx, "announce-tx")                                                               \
  X(kFlowsInstalled, "flows-installed")                                                       \
  X(kFlowsRemoved, "flows-removed")                                                           \
  X(kFlowTableFull, "flow-table-full") /* keys not installed: control opens them itself */    \
  X(kCaptureDropped, "capture-dropped")                                                       \
  X(kSendRingFull, "send-ring-full")   /* control side: a worker's TX ring was full */        \
  X(kSendPoolEmpty, "send-pool-empty") /* control side: no mbuf for an answer */              \
  X(kSendNoWorker, "send-no-worker")   /* control side: answer for an unknown worker */

RCAS_DEFINE_VERDICTS(DpdkCounter, RCAS_DPDK_COUNTERS)

// DpdkStats: the sum over the workers (and the control side's send counters).
struct DpdkStats {
  std::array<uint64_t, kDpdkCounterCount> events{};
  std::array<uint64_t, kFrameVerdictCount> frames{};
  std::array<uint64_t, kKeyedVerdictCount> keyed{};
  std::array<uint64_t, kReassemblyVerdictCount> reassembly{};

  uint64_t operator[](DpdkCounter c) const { return events[static_cast<size_t>(c)]; }
  uint64_t operator[](FrameVerdict v) const { return frames[static_cast<size_t>(v)]; }
  uint64_t operator[](KeyedVerdict v) const { return keyed[static_cast<size_t>(v)]; }
  uint64_t operator[](ReassemblyVerdict v) const { return reassembly[static_cast<size_t>(v)]; }
};

}  // namespace rcas::dataplane
