#pragma once
// Shared pieces of `rcasctl demo`: the test PKI, the CASS zone (CASSInfo, CHK), the report of
// what each side saw, the log of keyed messages for the burst check, and the helpers that move
// one message from a sender to a receiver with each side using only its own keys.
// Single-threaded tool code: allocates, never throws on purpose.

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/rsa.h"
#include "crypto/secret.h"
#include "crypto/x509.h"
#include "crypto/x509_issue.h"
#include "protocol/content.h"
#include "protocol/key_schedule.h"
#include "protocol/protect.h"
#include "protocol/protect_signed.h"
#include "tools/cam_checks.h"
#include "tools/provisioning.h"

namespace rcas::tools {

// DemoPki is a fresh test PKI made by the `pki` commands (demo_pki.cc): the AC root (its key
// signs sIGN-kpk), one CASS and one CAM, each side's copy of the CAM record.
struct DemoPki {
  std::filesystem::path dir;
  crypto::CertIssuer issuer;  // AC root certificate and key
  crypto::CassId cass_id{};
  crypto::RsaPrivateKey cass_key;
  Bytes cass_cert;
  CamRecord ac_record;   // the AC's provisioning record: Ki/OPc for Kc (PROFILE §11.3)
  CamRecord cam_record;  // the CAM's own copy
  crypto::RsaPrivateKey cam_key;
};

// MakeDemoPki runs `pki init`, `pki cass` and `pki cams` in `dir` and loads the result as the
// AC, CASS and CAM would.
Result<DemoPki> MakeDemoPki(const std::filesystem::path& dir);

// CassZone is the CASS configuration every CAM of the zone sees (PROFILE §11.5, §13.1).
struct CassZone {
  std::array<uint8_t, protocol::kCassIpAddrLen> ip_addr{};  // "192.0.2.10", NUL padded
  protocol::CassInfo info;                                  // views the fields of this struct
  Bytes info_der;                                           // DER(CASSInfo), the CHK input
  protocol::Secret20 chk;
  uint64_t counter_a = 0;  // RCASAnnounce nonce (§6.1)
  uint64_t counter_r = 0;  // RCASRenewal nonce
};

// MakeCassZone draws RAND_CHK and derives CHK for `cass_id` (§11.5). Not movable: `info`
// views the arrays inside.
std::unique_ptr<CassZone> MakeCassZone(const crypto::CassId& cass_id);

enum class Party { kCass, kCam };

// DemoReport prints one line per message and counts failed checks.
class DemoReport {
 public:
  explicit DemoReport(std::ostream& out) : out_(out) {}

  void Section(std::string_view title);
  // Message prints "<from> -> <to>  <type>  <size>  <protection>  <facts>" for a message the
  // receiver has accepted (or, for `note`, rejected as the demo intended).
  void Message(Party from, protocol::MessageType type, size_t size, std::string_view protection,
               std::string_view facts);
  // Note prints an indented line about a check that is not a message.
  void Note(std::string_view text);
  // Check counts a failure and prints "FAILED: <what>" unless `ok`; returns `ok`.
  bool Check(bool ok, std::string_view what);
  // Finish prints the summary line and returns the exit status.
  int Finish();
  bool ok() const { return failures_ == 0; }

 private:
  std::ostream& out_;
  size_t messages_ = 0;
  size_t failures_ = 0;
};

// KeyedRecord: one keyed message as sealed by protocol::Seal, kept to be sealed again by the
// IPsec-MB burst engine (demo_burst.cc).
struct KeyedRecord {
  protocol::Protection protection;
  uint64_t nonce = 0;
  Bytes content;            // DER plaintext
  crypto::SecretBytes ik;   // HMAC key: CHK, IHK or MAK
  crypto::SecretBytes ek;   // MEK, empty for MAC-only
  crypto::SecretBytes ivb;  // IV base, empty for MAC-only
  Bytes sealed;
};

// DemoContext is what every step of the demo shares.
struct DemoContext {
  const DemoPki& pki;
  CassZone& zone;  // the CASS advances its counters
  DemoReport& report;
  std::vector<KeyedRecord>& keyed;  // every keyed message sealed so far
  int64_t now = 0;                  // for certificate validity
};

// SealKeyed seals like the sender does (protocol::Seal) and logs the message for the burst
// check. Digest (unkeyed Status) messages are not logged: the burst engine is for keyed ones.
Result<Bytes> SealKeyed(DemoContext& ctx, const protocol::Protection& p, uint64_t nonce,
                        ByteView content, const protocol::MessageKeys& keys);

// ProtectionText names the protection for the report: "HMAC-SHA1(IHK)",
// "AES-CBC(MEK) + HMAC-SHA1(MAK)", "SHA-1 digest". `ik_name` is "IHK" or "MAK".
std::string ProtectionText(const protocol::Protection& p, std::string_view ik_name);

// Received: a message the receiver opened and decoded; `value` views `message` or `plain`
// (heap buffers, so moving a Received keeps the views valid).
template <protocol::Content T>
struct Received {
  Bytes message;
  Bytes plain;
  T value{};
};

// OpenAndDecode is the receiver's side of a keyed message (§9.2): framing and trailer with its
// own keys, decryption, DER decode with the profile checks, and the sessionID of the session
// (§13) when T has one and `session_id` is not empty. Failures are reported; nullopt then.
template <protocol::Content T>
std::optional<Received<T>> OpenAndDecode(DemoContext& ctx, const protocol::Protection& p,
                                         Bytes message, const protocol::MessageKeys& keys,
                                         ByteView session_id) {
  Received<T> r;
  r.message = std::move(message);
  r.plain.resize(r.message.size());
  protocol::OpenedMessage opened;
  const protocol::ProtectError e = protocol::Open(p, r.message, keys, r.plain, &opened);
  const std::string name(protocol::MessageTypeName(p.type));
  if (!ctx.report.Check(e == protocol::ProtectError::kOk,
                        name + " open: " + protocol::ProtectErrorName(e))) {
    return std::nullopt;
  }
  const protocol::DecodeError d = protocol::Decode(opened.content, &r.value);
  if (!ctx.report.Check(d == protocol::DecodeError::kNone,
                        name + " content: " + std::string(protocol::DecodeErrorName(d)))) {
    return std::nullopt;
  }
  if constexpr (requires { r.value.session_id; }) {
    if (!session_id.empty() && !ctx.report.Check(ToHex(r.value.session_id) == ToHex(session_id),
                                                 name + " sessionID is the session's")) {
      return std::nullopt;
    }
  }
  return r;
}

// SendKeyed is one keyed message end to end: the sender encodes and seals with its keys, the
// receiver opens and decodes with its own; on success the report gets the message line, with
// `facts` (nullptr: none) made from the decoded value.
template <protocol::Content T>
std::optional<Received<T>> SendKeyed(DemoContext& ctx, Party from, const protocol::Protection& p,
                                     uint64_t nonce, const T& value,
                                     const protocol::MessageKeys& sender,
                                     const protocol::MessageKeys& receiver, ByteView session_id,
                                     std::string_view ik_name, std::string (*facts)(const T&)) {
  Bytes der;
  if (!ctx.report.Check(protocol::Encode(value, &der),
                        std::string(protocol::MessageTypeName(p.type)) + " encodes")) {
    return std::nullopt;
  }
  auto sealed = SealKeyed(ctx, p, nonce, der, sender);
  if (!ctx.report.Check(sealed.ok(), std::string(protocol::MessageTypeName(p.type)) +
                                         " seal: " + (sealed ? "" : sealed.error()))) {
    return std::nullopt;
  }
  const size_t size = sealed->size();
  auto r = OpenAndDecode<T>(ctx, p, std::move(*sealed), receiver, session_id);
  if (r) {
    ctx.report.Message(from, p.type, size, ProtectionText(p, ik_name) + " ok",
                       facts != nullptr ? facts(r->value) : std::string());
  }
  return r;
}

// ImageKeys are the CACS image keys of one session as one side knows them (PROFILE §17.1).
struct ImageKeys {
  crypto::AesKey icciek;
  protocol::SecretBlock icciek_iv;
  crypto::AesKey ccciek;
  protocol::SecretBlock ccciek_iv;
};

// SessionSide is one side's view of an established session.
struct SessionSide {
  const protocol::SessionKeys* keys = nullptr;
  const ImageKeys* images = nullptr;
};

// RenewalPlan says what RunRenewal does in a mode.
struct RenewalPlan {
  std::string_view ik_name;  // "IHK" or "MAK", for the report
  bool purchase_report = false;
  bool log = false;
  // Fast mode encrypts the "common" image per CAM (§12.2, §22 Q3), so it gets a per-session name.
  bool common_per_session = false;
};

// RunRenewal runs RenewInfo (common + individual image) -> image download, decryption and hash
// check (§17) -> RenewConfirm(TRUE) [-> PurchaseReport] [-> LogRequest -> LogResponse]
// (demo_renewal.cc).
bool RunRenewal(DemoContext& ctx, ByteView session_id, const SessionSide& cass,
                const SessionSide& cam, const RenewalPlan& plan);

// VersionBytes are the CAM's hWVersion / sWversion in the demo (4 octets each, §13.1).
inline constexpr std::array<uint8_t, protocol::kVersionLen> kDemoHwVersion = {0, 0, 0, 1};
inline constexpr std::array<uint8_t, protocol::kVersionLen> kDemoSwVersion = {0, 0, 0, 2};

// AnnounceToVirginCam sends an RCASAnnounce (protocolTypeFlag `flag`) that a CAM without CHK
// reads unverified to learn CASSInfo (§15.1); returns the message as the CAM received it, or
// empty on failure (demo_announce.cc).
Bytes AnnounceToVirginCam(DemoContext& ctx, uint8_t flag);

// CamVerifiesAnnounce is the CAM checking that announcement again once a KeyResponse or
// KeyRegResponse gave it CHK (§6.2, §20 D7).
bool CamVerifiesAnnounce(DemoContext& ctx, ByteView announce, const protocol::Secret20& chk,
                         std::string_view chk_from);

// RunNormalMode / RunFastMode run every message of one mode (demo_normal_mode.cc,
// demo_fast_mode.cc); false if a check failed.
bool RunNormalMode(DemoContext& ctx);
bool RunFastMode(DemoContext& ctx);

// CheckBurst seals every logged keyed message again with the IPsec-MB burst engine and
// compares the bytes with the one-shot path (demo_burst.cc).
bool CheckBurst(DemoContext& ctx);

// ReceivedSigned: a signed message the receiver framed and decoded; nothing is verified yet
// (the signer's key is in the content). `parsed` and `value` view `message`.
template <protocol::Content T>
struct ReceivedSigned {
  Bytes message;
  protocol::SignedMessage parsed;
  T value{};
};

// ParseSignedAs frames a signed message (§4.2) and decodes its content as T.
template <protocol::Content T>
std::optional<ReceivedSigned<T>> ParseSignedAs(DemoContext& ctx, Bytes message) {
  ReceivedSigned<T> r;
  r.message = std::move(message);
  const protocol::ProtectError e = protocol::ParseSigned(r.message, &r.parsed);
  if (!ctx.report.Check(e == protocol::ProtectError::kOk,
                        std::string("signed message framing: ") + protocol::ProtectErrorName(e))) {
    return std::nullopt;
  }
  const protocol::DecodeError d = protocol::Decode(r.parsed.content, &r.value);
  if (!ctx.report.Check(d == protocol::DecodeError::kNone,
                        std::string(protocol::MessageTypeName(r.parsed.header.type)) +
                            " content: " + std::string(protocol::DecodeErrorName(d)))) {
    return std::nullopt;
  }
  return r;
}

// CheckedSigner is the verified signer key of a signed message and what the checks found.
struct CheckedSigner {
  crypto::RsaPublicKey key;
  std::string facts;  // "CAM_ID 0102030405060708"
};

// CassChecksCamRequest is the CASS's check of KeyRequest / KeyRegRequest (§13.3, §13.11): the
// CAM certificate against the AC root with its binding to KeyPairingID (and cAMID in fast
// mode, §10.4), then the signature with the certificate's key (demo_keying.cc).
std::optional<CheckedSigner> CassChecksCamRequest(DemoContext& ctx,
                                                  const protocol::SignedMessage& m,
                                                  ByteView certificate, ByteView key_pairing_id,
                                                  ByteView cam_id_field);

// EncodeAndSign is the sender of a signed message: DER, then the signature with `key` (§9.4).
template <protocol::Content T>
std::optional<Bytes> EncodeAndSign(DemoContext& ctx, protocol::MessageType type, uint64_t nonce,
                                   const T& content, const crypto::RsaPrivateKey& key) {
  const std::string name(protocol::MessageTypeName(type));
  Bytes der;
  if (!ctx.report.Check(protocol::Encode(content, &der), name + " encodes")) {
    return std::nullopt;
  }
  auto sealed = protocol::SealSignedToBytes(type, nonce, der, key);
  if (!ctx.report.Check(sealed.ok(), name + " signing")) {
    return std::nullopt;
  }
  return std::move(*sealed);
}

// EncryptToCam is the CASS's RSAEncryptedContent: DER of `secret`, RSAES-OAEP to the CAM key
// from the checked certificate (§7.3, §8); the DER copy is wiped.
template <protocol::Content Secret>
std::optional<Bytes> EncryptToCam(DemoContext& ctx, const Secret& secret,
                                  const crypto::RsaPublicKey& cam_key) {
  crypto::SecretBytes der;
  Bytes encoded;
  if (!ctx.report.Check(protocol::Encode(secret, &encoded), "confidential content encodes")) {
    return std::nullopt;
  }
  der = crypto::SecretBytes(encoded);
  OPENSSL_cleanse(encoded.data(), encoded.size());
  auto cipher = cam_key.EncryptOaepSha256(der.view());
  if (!ctx.report.Check(cipher.ok(), "OAEP encryption to the CAM key")) {
    return std::nullopt;
  }
  return std::move(*cipher);
}

// CamOpenedResponse is a KeyResponse / KeyRegResponse the CAM accepted and its decrypted
// confidential content (`secret` views `plain`).
template <protocol::Content Msg, protocol::Content Secret>
struct CamOpenedResponse {
  ReceivedSigned<Msg> message;
  std::string signer_facts;
  crypto::SecretBytes plain;
  Secret secret{};
};

// CamOpensResponse is the CAM's check of a response, in the order of §13.4 / §13.12 as the
// reference CAM runs it (tools/cam_checks.h): nonce and sessionID of its request, CASS
// certificate bound to the announced CASS_ID, signature, OAEP with its own key, inner DER (with
// the RAND_AC rule). sIGN-kpk is the caller's (normal only).
template <protocol::Content Msg, protocol::Content Secret>
std::optional<CamOpenedResponse<Msg, Secret>> CamOpensResponse(DemoContext& ctx, Bytes message,
                                                               uint64_t nonce, ByteView session_id,
                                                               ByteView announced_cass_id) {
  CamOpenedResponse<Msg, Secret> r;
  r.message.message = std::move(message);
  protocol::Header h;
  if (!ctx.report.Check(
          protocol::ParseHeader(r.message.message, &h) == protocol::HeaderError::kOk &&
              h.nonce == nonce,
          "response header and nonce")) {
    return std::nullopt;
  }
  const std::string name(protocol::MessageTypeName(h.type));
  CheckedResponse<Msg, Secret> checked;
  const uint8_t status = CheckCassResponse(
      r.message.message, session_id, ctx.pki.cam_key, ctx.pki.issuer.root(), announced_cass_id,
      ctx.now,
      [&](std::string_view what, bool ok) {
        return ctx.report.Check(ok, name + " " + std::string(what));
      },
      &checked);
  if (status != 0) {
    return std::nullopt;
  }
  r.message.parsed = checked.parsed;
  r.message.value = checked.value;
  r.signer_facts = "CASS_ID " + crypto::UpperHex(checked.cass_id);
  r.plain = std::move(checked.plain);  // the vector's buffer moves, so `secret` still views it
  r.secret = checked.secret;
  return r;
}

// CamIdField is the 40-octet cAMID: CAM_ID || 0x00*32 (PROFILE §2.2).
std::array<uint8_t, protocol::kCamIdFieldLen> CamIdField(const crypto::CamId& cam_id);

// Short is the first 4 octets of `v` in hex and "..", for the report.
std::string Short(ByteView v);

}  // namespace rcas::tools
