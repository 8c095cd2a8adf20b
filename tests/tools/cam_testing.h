#pragma once
// Test harness for the reference CAM (tools/cam_machine.h): a fake CamIo that records what the
// CAM sends, and a scripted in-process CASS built from the protocol library (like rcasctl demo)
// that answers with real keys and can tamper with each answer. Vector PKI: CASS_ID 0000000a,
// CAM_ID 0102030405060708 (tests/data/vectors/pki).

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "protocol/content.h"
#include "protocol/header.h"
#include "protocol/key_schedule_fast.h"
#include "protocol/protect.h"
#include "protocol/session_keys.h"
#include "tools/cam_machine.h"

namespace rcas::testing {

using tools::CamIo;
using tools::ImageRequest;

inline constexpr int64_t kT0 = 1'760'000'000'000;  // a fixed Unix time in ms (2025-10-09)

// FakeIo records every side effect; images come from `images` (file name -> object).
class FakeIo : public CamIo {
 public:
  void OpenSession(const tools::CamTarget& target) override;
  void Send(ByteView message) override { sent.emplace_back(message.begin(), message.end()); }
  void CloseSession() override { ++closes; }
  void FetchImage(const ImageRequest& request) override { fetches.push_back(request); }
  void StateChanged() override { ++state_saves; }
  void Trace(std::string_view line) override { trace.emplace_back(line); }

  // Last returns the last message sent, failing the test if there is none.
  Bytes Last() const;
  // TypeOf is the message type of sent message i.
  protocol::MessageType TypeOf(size_t i) const;

  std::vector<Bytes> sent;
  std::vector<tools::CamTarget> opened;
  std::vector<ImageRequest> fetches;
  std::vector<std::string> trace;
  int closes = 0;
  int state_saves = 0;
  bool fail_open = false;
  tools::CamMachine* machine = nullptr;  // for fail_open
};

// Tamper says how the scripted CASS spoils one KeyResponse / KeyRegResponse.
struct Tamper {
  bool signature = false;      // flip a signature bit
  bool oaep = false;           // ciphertext the CAM key cannot decrypt
  bool sign_kpk = false;       // flip a sIGN-kpk bit
  bool equal_rand_ac = false;  // RAND_AC_1 == RAND_AC_2
  bool other_session = false;  // another sessionID
};

// TestCass is the scripted CASS with its AC: one session at a time.
class TestCass {
 public:
  TestCass();
  // TestCass(pki_dir, ...) uses a PKI made by `rcasctl pki` (CASS `cass_hex`) and the AC's record
  // of the CAM it will serve (from <name>.ac.rcpv); CamIdentity() is then unavailable.
  TestCass(const std::string& pki_dir, const std::string& cass_hex, tools::CamRecord ac_record);

  tools::CamIdentity CamIdentity() const;
  tools::CamTarget Target(tools::CamTransport transport = tools::CamTransport::kUdp) const;
  const crypto::CassId& cass_id() const { return cass_id_; }
  // set_port is the cASSListeningPort of Target() and Announce().
  void set_port(uint16_t port) { port_ = port; }

  // Announce is an RCASAnnounce MAC'd with `chk` (default: the zone CHK) offering CAS client
  // vendor 1 `version` for HW 00000001 / SW 00000002.
  Bytes Announce(uint8_t flag, uint64_t counter, uint16_t version = 3,
                 const protocol::Secret20* chk = nullptr) const;
  Bytes Renewal(uint64_t counter, std::string_view schedule, bool key_request_req,
                bool purchase_report_req) const;

  // Answers to the CAM's requests (the CASS side of §15.4 / §15.5); each checks the request
  // with gtest assertions.
  Bytes KeyResponse(ByteView key_request, const Tamper& tamper = {});
  Bytes CamRegConfirm(ByteView cam_reg, bool bad_mac = false);
  Bytes KeyRegResponse(ByteView key_reg_request, const Tamper& tamper = {});

  // Established-session messages (IK = IHK or MAK).
  Bytes RenewInfo(uint64_t nonce, uint8_t image_flag, bool purchase_report_req,
                  ByteView common_image, ByteView individual_image);
  Bytes LogRequest(uint64_t nonce);
  Bytes KeyedStatus(uint8_t code, uint64_t nonce);
  // SealRaw seals `der` as keyed `type` without checking it (to send content that breaks rules).
  Bytes SealRaw(protocol::MessageType type, uint64_t nonce, ByteView der);
  // BadPadding is an encrypted `type` whose MAC verifies but whose PKCS#7 padding does not.
  Bytes BadPadding(protocol::MessageType type, uint64_t nonce);
  Bytes UnkeyedStatus(uint8_t code, uint64_t nonce);
  // Object is the encrypted image for a file name given to RenewInfo.
  std::map<std::string, Bytes> objects;

  // Open opens a keyed message from the CAM; nullopt if it does not verify.
  std::optional<protocol::OpenedMessage> OpenFromCam(ByteView message, Bytes* plain) const;

  const protocol::Secret20& chk() const { return chk_; }
  const std::array<uint8_t, 10>& session_id() const { return session_id_; }

 private:
  Bytes SealSigned(protocol::MessageType type, uint64_t nonce, ByteView der, bool tamper) const;

  void InitZone();

  std::optional<crypto::TrustAnchor> root_;
  std::optional<crypto::RsaPrivateKey> root_key_;
  std::optional<crypto::RsaPrivateKey> cass_key_;
  Bytes cass_cert_;
  std::optional<crypto::RsaPrivateKey> cam_key_;  // vector PKI only
  std::optional<crypto::RsaPublicKey> cam_public_;
  tools::CamRecord record_;
  crypto::CassId cass_id_{};
  uint16_t port_ = 49104;
  std::array<uint8_t, protocol::kCassIpAddrLen> ip_addr_{};
  Bytes cass_info_der_;
  protocol::Secret20 chk_;
  // Session.
  std::array<uint8_t, 10> session_id_{};
  std::array<protocol::Kc, 3> kc_;
  std::optional<protocol::SessionKeys> keys_;
  crypto::AesKey icciek_, ccciek_;
  protocol::SecretBlock icciek_iv_, ccciek_iv_;
};

// UdpPeer is the scripted CASS's UDP side: it answers whoever sent the last datagram.
class UdpPeer {
 public:
  explicit UdpPeer(int fd) : fd_(fd) {}
  // Recv waits up to 10 s for one datagram; empty on timeout.
  Bytes Recv();
  // Reply sends `m` to the sender of the last datagram.
  void Reply(ByteView m) const;

 private:
  int fd_;
  sockaddr_storage from_{};
  socklen_t len_ = 0;
};

// Header reads the header of a sent message.
protocol::Header HeaderOf(ByteView message);

// StatusCodeOf decodes a Status the CAM sent (either form, trailer not checked).
uint8_t StatusCodeOf(ByteView message);

// CamFixture: one CAM (jitter 0) against the scripted CASS, on a fake clock starting at kT0.
class CamFixture : public ::testing::Test {
 protected:
  CamFixture() { Make({}); }

  void Make(tools::CamPersistentState state) {
    config.jitter = 0;
    config.purchase_info = {'p', 'i'};
    machine = std::make_unique<tools::CamMachine>(cass.CamIdentity(), config, std::move(state), io);
    io.machine = machine.get();
  }
  // Send delivers a CASS message to the CAM and returns how many messages the CAM sent.
  size_t Deliver(ByteView message) {
    const size_t before = io.sent.size();
    machine->OnMessage(message, now);
    return io.sent.size() - before;
  }
  void Advance(int64_t ms) {
    now += ms;
    machine->OnTimer(now);
  }
  // Establish runs a normal-mode (or fast-mode) session up to ESTABLISHED.
  void Establish(tools::CamMode mode = tools::CamMode::kNormal,
                 tools::CamTransport transport = tools::CamTransport::kUdp) {
    machine->StartSession(cass.Target(transport), mode, now);
    machine->OnTimer(now);
    if (mode == tools::CamMode::kFast) {
      ASSERT_EQ(Deliver(cass.KeyRegResponse(io.Last())), 0u);
    } else {
      ASSERT_EQ(Deliver(cass.KeyResponse(io.Last())), 1u);
      ASSERT_EQ(Deliver(cass.CamRegConfirm(io.Last())), 0u);
    }
    ASSERT_EQ(machine->phase(), tools::CamPhase::kEstablished);
  }

  TestCass cass;
  FakeIo io;
  tools::CamConfig config;
  std::unique_ptr<tools::CamMachine> machine;
  int64_t now = kT0;
};

}  // namespace rcas::testing
