#pragma once
// What the reference CAM's state machine (tools/cam_machine.h) needs from its surroundings: its
// configuration, where a session goes, and the side effects it asks for (open a transport, send,
// fetch an image, trace). The fleet runner implements CamIo on sockets; tests implement it with
// a scripted in-process CASS. Every call happens on the caller's one thread.

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/x509.h"
#include "protocol/key_schedule.h"

namespace rcas::tools {

enum class CamMode : uint8_t { kNormal = 0x01, kFast = 0x02 };   // protocolTypeFlag (§13.1)
enum class CamTransport : uint8_t { kUdp = 0x01, kTcp = 0x02 };  // cASSConnectionType

// CamTarget is where a session goes: the cASSInfo of an announcement (§5.2), or the command line.
struct CamTarget {
  std::optional<crypto::CassId> cass_id;  // the CASS_ID the CASS certificate must carry (§10.4)
  std::string address;                    // IPv4 dotted quad or IPv6 text (§13.1)
  uint16_t port = 49104;
  CamTransport transport = CamTransport::kUdp;
};

// CamConfig is fixed per CAM; the defaults are the profile's.
struct CamConfig {
  std::array<uint8_t, protocol::kVersionLen> hw_version = {0, 0, 0, 1};
  std::array<uint8_t, protocol::kVersionLen> sw_version = {0, 0, 0, 2};
  double jitter = 1.0;       // scale of every random delay (§13.2, §14.2, §15.1); 0 in tests
  int64_t idle_ms = 60'000;  // ESTABLISHED without traffic -> IDLE (§15.2)
  int64_t udp_first_retransmit_ms = 2'000;  // 2, 4, 8, 16 s, then a final 32 s (§5.5)
  int64_t tcp_key_timeout_ms = 60'000;      // KeyRequest / KeyRegRequest over TCP (§5.5)
  int64_t tcp_timeout_ms = 30'000;          // other requests over TCP
  bool trusted_time = false;                // check the CASS certificate's validity (§10.4)
  Bytes purchase_info;                      // opaque PurchaseReport content (§13.9, §22 Q8)
  std::optional<Bytes> log_info;            // opaque logResponseInfo; absent = nothing to report
  uint32_t max_sessions = 0;                // sessions to start on a fixed target; 0 = no limit
  // time_scale (0 < x <= 1) multiplies every protocol timer above and in the machine: the
  // retransmission schedule, timeouts, idle, backoff and trigger delays. For lab tests of a
  // headend; 1 is the profile.
  double time_scale = 1.0;

  // Scaled is the protocol delay `ms` under time_scale, at least 1 ms when `ms` is positive (a
  // zero interval would never double).
  int64_t Scaled(int64_t ms) const {
    const auto scaled = static_cast<int64_t>(static_cast<double>(ms) * time_scale + 0.5);
    return ms > 0 ? std::max<int64_t>(1, scaled) : ms;
  }
};

// ImageRequest is one image of a RenewInfo to download (§13.7).
struct ImageRequest {
  uint64_t download = 0;  // which RenewInfo: give it back to CamMachine::OnImageFetched
  size_t index = 0;       // 0 = first ImageInfo of the RenewInfo
  uint8_t tm = 0;         // 0x01 carousel, 0x02 TFTP, 0x03 HTTP
  std::optional<std::array<uint8_t, 16>> ds_ip;
  std::string fn;
};

// CamIo receives the state machine's side effects.
class CamIo {
 public:
  virtual ~CamIo() = default;
  // OpenSession opens the session's transport (UDP: a new local port, §5.4; TCP: connect). A
  // failure is reported back with CamMachine::OnTransportClosed.
  virtual void OpenSession(const CamTarget& target) = 0;
  // Send sends one whole message on the session's transport.
  virtual void Send(ByteView message) = 0;
  // CloseSession closes the transport; nothing more arrives for the session.
  virtual void CloseSession() = 0;
  // FetchImage downloads one image; the answer comes with CamMachine::OnImageFetched, from
  // inside this call or later (an answer for a RenewInfo no longer served is ignored).
  virtual void FetchImage(const ImageRequest& request) = 0;
  // StateChanged asks to persist the state (CamMachine::state()).
  virtual void StateChanged() = 0;
  // Trace receives one human-readable line ("-> KeyRequest ...").
  virtual void Trace(std::string_view line) = 0;
};

// CamStats counts what happened to one CAM, for the fleet summary.
struct CamStats {
  uint64_t sessions = 0;         // sessions started
  uint64_t registered = 0;       // sessions that reached ESTABLISHED
  uint64_t completed = 0;        // sessions that ended without a failure
  uint64_t timeouts = 0;         // exchanges that timed out (§5.5)
  uint64_t retransmissions = 0;  // UDP datagrams sent again
  uint64_t images_installed = 0;
  uint64_t images_failed = 0;  // hash or PKCS#7 mismatch (Status 0x03) or transport failure
  uint64_t dropped = 0;        // messages dropped silently (framing, bad MAC, stale, unexpected)
  std::map<uint8_t, uint64_t> status_received;  // failure Status from the CASS, by code
  std::map<uint8_t, uint64_t> status_sent;      // failure Status the CAM sent, by code
  bool last_failed = false;                     // the last session ended in a failure
};

}  // namespace rcas::tools
