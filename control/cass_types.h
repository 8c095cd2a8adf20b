#pragma once
// What the CASS engine exchanges with its I/O loop: the opaque peer of a message, the messages
// to send, and the named counters of everything the engine drops or refuses (PROFILE §14).

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>

#include "crypto/bytes.h"
#include "protocol/verdicts.h"

namespace rcas::control {

// PeerRef names where a message came from and where the answer goes: a UDP source address and
// port (a copy of the sockaddr), or a TCP connection id chosen by the I/O loop. Sessions are
// keyed by the TCP connection, or bound to the UDP source of their first verified message
// (PROFILE §9.2, §23 item 2).
struct PeerRef {
  enum class Transport : uint8_t { kUdp, kTcp };
  Transport transport = Transport::kUdp;
  uint64_t connection = 0;     // kTcp
  sockaddr_storage address{};  // kUdp: zero beyond address_len
  socklen_t address_len = 0;
  // route: the transport's way to the peer (a DPDK worker), not part of its identity: a CAM
  // whose datagrams reach another worker (IP fragments hash differently) is the same source.
  uint16_t route = 0;

  static PeerRef Udp(const sockaddr* addr, socklen_t len) {
    PeerRef p;
    p.address_len = len > sizeof p.address ? static_cast<socklen_t>(sizeof p.address) : len;
    std::memcpy(&p.address, addr, p.address_len);
    return p;
  }
  static PeerRef Tcp(uint64_t connection) {
    PeerRef p;
    p.transport = Transport::kTcp;
    p.connection = connection;
    return p;
  }
  bool tcp() const { return transport == Transport::kTcp; }
  bool operator==(const PeerRef& o) const {
    return transport == o.transport && connection == o.connection && address_len == o.address_len &&
           std::memcmp(&address, &o.address, address_len) == 0;
  }
};

struct PeerRefHash {
  size_t operator()(const PeerRef& p) const {
    uint64_t h = 0xcbf29ce484222325ull ^ p.connection ^ static_cast<uint64_t>(p.transport);
    const auto* b = reinterpret_cast<const uint8_t*>(&p.address);
    for (socklen_t i = 0; i < p.address_len; ++i) {
      h = (h ^ b[i]) * 0x100000001b3ull;
    }
    return static_cast<size_t>(h);
  }
};

// OutMessage is one message to send to `peer`. With close_after (TCP only) the I/O loop closes
// the connection once the bytes are written (PROFILE §5.3, §23 item 23); `bytes` may then be
// empty (a session that ended without a last message).
struct OutMessage {
  PeerRef peer;
  Bytes bytes;
  bool close_after = false;
};

// Every reason the engine drops, refuses or gives up, and the events worth counting.
#define RCAS_CASS_COUNTERS(X)                                                                      \
  X(kRxMessages, "rx-messages")                                                                    \
  X(kRxBadFrame, "rx-bad-frame")                    /* header/framing: dropped, §14.2 */          \
  X(kRxUnexpectedType, "rx-unexpected-type")        /* a type the CAM never sends */               \
  X(kRxNoSession, "rx-no-session")                  /* matches no live exchange, §14 */           \
  X(kRxWrongSource, "rx-wrong-source")              /* not the bound UDP source, §23.2 */         \
  X(kRxStaleFlow, "rx-stale-flow")                  /* pre-opened under another session's keys */  \
  X(kRxStaleFlowReopened, "rx-stale-flow-reopened") /* bad MAC under them: opened here */          \
  X(kRouteChanged, "route-changed")                 /* a CAM's messages moved to another worker */ \
  X(kRxBadMacDropped, "rx-bad-mac-dropped")         /* bad MAC, no live exchange, §23.2 */        \
  X(kRxBadSignature, "rx-bad-signature")            /* answered 0x05 */                            \
  X(kRxBadDigest, "rx-bad-digest")                  /* unkeyed Status with a bad digest */         \
  X(kRxDuplicateAnswered, "rx-duplicate-answered")                                                 \
  X(kRxDuplicatePending, "rx-duplicate-pending") /* discarded, §5.5 */                            \
  X(kRxNonceConflict, "rx-nonce-conflict")       /* known nonce, other bytes, §5.5 */             \
  X(kRxStaleResponse, "rx-stale-response")       /* answer to no outstanding request */            \
  X(kRxCamStatus, "rx-cam-status")               /* a Status from a CAM ended an exchange */       \
  X(kReplayRefused, "replay-refused")            /* (CAM_ID, sessionID) seen, 0x82 */              \
  X(kReplaySetError, "replay-set-error")         /* store failure: answered 0x83 */                \
  X(kAcQueueFull, "ac-queue-full")               /* answered 0x83 */                               \
  X(kRsaQueueFull, "rsa-queue-full")             /* answered 0x83 */                               \
  X(kAcStoreError, "ac-store-error")             /* AC answered busy */                            \
  X(kRsaFailure, "rsa-failure")                  /* OAEP encryption or signing failed */           \
  X(kSessionsCreated, "sessions-created")                                                          \
  X(kSessionsEstablished, "sessions-established")                                                  \
  X(kSessionsFailed, "sessions-failed") /* ended by a failure Status */                            \
  X(kSessionsErased, "sessions-erased") /* keys wiped after the linger */                          \
  X(kTimeoutAc, "timeout-ac")                                                                      \
  X(kTimeoutCamReg, "timeout-camreg")                                                              \
  X(kTimeoutRenewal, "timeout-renewal") /* T_download, §15.4 */                                   \
  X(kTimeoutPurchaseReport, "timeout-purchase-report")                                             \
  X(kTimeoutLog, "timeout-log")                                                                    \
  X(kIdleClosed, "idle-closed")                  /* 60 s idle, §15.4 */                           \
  X(kRetransmits, "retransmits")                 /* UDP RenewInfo / LogRequest, §5.5 */           \
  X(kRenewalPlanInvalid, "renewal-plan-invalid") /* RenewInfo not encodable (§13.7) */            \
  X(kRenewInfoRetries, "renewinfo-retries")      /* after Status 0x03, §15.4 */                   \
  X(kRenewalsInstalled, "renewals-installed")                                                      \
  X(kRenewalsFailed, "renewals-failed")                                                            \
  X(kRenewConfirmsForwarded, "renewconfirms-forwarded") /* mode C2 */                              \
  X(kPurchaseReports, "purchase-reports")                                                          \
  X(kLogResponses, "log-responses")                                                                \
  X(kAcReportErrors, "ac-report-errors")        /* report/RenewConfirm not stored */               \
  X(kC1CacheHits, "c1-cache-hits")              /* stage 1 from the C1 cache, §16.5 */            \
  X(kC1CacheCamRegHits, "c1-cache-camreg-hits") /* stage 2 too */                                  \
  X(kC1CacheRival, "c1-cache-rival")            /* live elsewhere: AC, §23.17 */

RCAS_DEFINE_VERDICTS(CassCounter, RCAS_CASS_COUNTERS)

// CassCounters: the counters above plus the Status codes sent, by code.
struct CassCounters {
  std::array<uint64_t, kCassCounterCount> events{};
  std::array<uint64_t, 256> status_sent{};

  uint64_t operator[](CassCounter c) const { return events[static_cast<size_t>(c)]; }
  void Add(CassCounter c) { ++events[static_cast<size_t>(c)]; }
};

}  // namespace rcas::control
