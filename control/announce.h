#pragma once
// AnnounceScheduler: RCASAnnounce and RCASRenewal of PROFILE §5.1, §6.1, §13.1, §13.2 and §23
// items 12, 13, 21 and 24. It builds and MACs (CHK) the datagrams, repeats them on their own
// timers, and keeps counter_A / counter_R in the AC store so that they never go backwards after a
// restart. Sending is the caller's: Tick hands over what is due, the I/O layer multicasts it.
//
// Counter rules: a content change (zone, client list), a CHK rotation or a new renewal takes the
// next counter, durably stored before the first datagram carrying it is handed out; at start the
// counters are max(stored + 1, now in Unix seconds) (§6.1's recommendation). Repetitions of an
// unchanged message are byte-identical. Durable writes happen only on those operator events
// (one fsync each), never per repetition.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/secret.h"
#include "crypto/x509.h"
#include "protocol/content.h"
#include "protocol/key_schedule.h"
#include "storage/ac_store.h"

namespace rcas::control {

// ClientOffer is one CAMClientVersion entry of RCASAnnounce: the clients offered to CAMs with
// these hardware and boot-loader versions (§13.1).
struct ClientOffer {
  std::array<uint8_t, protocol::kProtocolVersionFieldLen> hw{};
  std::array<uint8_t, protocol::kProtocolVersionFieldLen> sw{};
  std::vector<protocol::CamClientInfo> clients;
};

// AnnounceZone is everything RCASAnnounce says (§13.1).
struct AnnounceZone {
  uint8_t protocol_type_flag = 0x01;  // 0x01 normal, 0x02 fast
  crypto::CassId cass_id{};
  uint8_t ip_addr_type = 0x01;      // 0x01 IPv4, 0x02 IPv6
  std::string ip_addr;              // literal address, at most 50 characters (§13.1)
  uint8_t connection_type = 0x01;   // 0x01 UDP, 0x02 TCP
  uint32_t listening_port = 49104;  // §5.2
  std::vector<ClientOffer> offers;
};

// Renewal is one RCASRenewal campaign (§13.2).
struct Renewal {
  std::string download_schedule = "000000000000";  // "YYMMDDhhmmss" UTC, or zeros = now
  bool key_request_req = false;
  bool purchase_report_req = false;
};

struct AnnounceOptions {
  uint64_t announce_interval_ms = 10'000;     // §5.1: 1..60 s
  uint64_t renewal_interval_ms = 10'000;      // §23 item 24
  uint64_t now_renewal_duration_ms = 30'000;  // §23 item 12
};

// ParseDownloadSchedule turns "YYMMDDhhmmss" (UTC, year 2000 + YY) into Unix milliseconds;
// "000000000000" is 0 (now). nullopt for anything else, including impossible dates.
std::optional<uint64_t> ParseDownloadSchedule(std::string_view s);

class AnnounceScheduler {
 public:
  static Result<std::unique_ptr<AnnounceScheduler>> Create(storage::AcStore& store,
                                                           const protocol::Secret20& chk,
                                                           AnnounceZone zone,
                                                           AnnounceOptions options,
                                                           uint64_t now_ms);

  // SetZone replaces the announced content with a new counter_A; the next announcement (on its
  // usual cadence) carries it.
  Status SetZone(AnnounceZone zone);
  // RotateChk MACs everything from now on with `chk` and moves both counters on (§23 item 13),
  // and bumps the deliver campaign (§22 Q6: every CAM in service re-keys).
  Status RotateChk(const protocol::Secret20& chk, uint64_t now_ms);
  // StartRenewal replaces any running renewal. keyRequest-Req and purchaseReport-Req bump the
  // deliver campaign (§16.5, §23 item 21) in the same durable write as counter_R.
  Status StartRenewal(const Renewal& renewal, uint64_t now_ms);
  void StopRenewal();

  // Tick appends the datagrams due at now_ms to `out`.
  void Tick(uint64_t now_ms, std::vector<Bytes>& out);
  // NextDueMs is when Tick next has something to send.
  uint64_t NextDueMs() const;

  uint64_t counter_a() const { return counter_a_; }
  uint64_t counter_r() const { return counter_r_; }
  bool renewal_running() const { return renewal_until_ms_ != 0; }

 private:
  AnnounceScheduler(storage::AcStore& store, const protocol::Secret20& chk, AnnounceOptions o)
      : store_(store), chk_(chk), options_(o) {}
  Status Persist(uint64_t counter_a, uint64_t counter_r, bool bump_campaign);
  // Build*With encode and MAC the message with the given counter, store the counters durably
  // and only then make it the current datagram.
  Result<Bytes> BuildAnnounceWith(uint64_t counter_a);
  Result<Bytes> BuildRenewalWith(uint64_t counter_r, const Renewal& renewal, bool bump_campaign);

  storage::AcStore& store_;
  protocol::Secret20 chk_;
  AnnounceOptions options_;
  AnnounceZone zone_;
  Renewal renewal_;
  uint64_t counter_a_ = 0;
  uint64_t counter_r_ = 0;
  Bytes announce_;  // the current datagram, rebuilt on change
  Bytes renewal_datagram_;
  uint64_t next_announce_ms_ = 0;
  uint64_t next_renewal_ms_ = 0;
  uint64_t renewal_until_ms_ = 0;  // 0: no renewal running
};

}  // namespace rcas::control
