#pragma once
// The trailer and content checks of `rcasctl decode`, one message at a time: the keys the
// command line gave, what earlier messages of the same input taught, and the two families of
// checks. decode_keyed.cc: the MAC, digest and decryption checks of every non-signed type
// (PROFILE §9.2, §9.4, §9.5). decode_signed.cc: the four RSA-signed types (signature,
// certificate §10.4, OAEP §8, sIGN-kpk §11.7). decode_command.cc wires them to the CLI.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/rsa.h"
#include "crypto/secret.h"
#include "crypto/x509.h"
#include "protocol/header.h"
#include "protocol/key_schedule.h"
#include "protocol/message_type.h"
#include "tools/rcasctl/print_content.h"

namespace rcas::tools {

// DecodeKeys: what the command line gave, parsed once.
struct DecodeKeys {
  std::optional<protocol::Secret20> chk;
  Bytes ik;  // 20 octets IHK or 16 octets MAK; empty if not given
  std::optional<crypto::AesKey> mek;
  std::optional<protocol::SecretBlock> mek_iv;
  std::optional<protocol::MessageType> answers;
  std::optional<crypto::TrustAnchor> root;
  std::optional<crypto::RsaPrivateKey> cam_key;
  Bytes cass_id;
  Bytes key_pairing_id;
};

// StreamContext is what earlier messages of the same input taught: the announced CASS_ID and
// the KeyPairingID of each sessionID, so a KeyResponse's sIGN-kpk can be checked (§11.7).
struct StreamContext {
  Bytes announced_cass_id;
  std::map<std::string, Bytes> key_pairing_ids;  // sessionID hex -> KeyPairingID
};

// Checks collects one message's outcome.
struct Checks {
  std::vector<std::string> failed;
  void Fail(std::string what) { failed.push_back(std::move(what)); }
};

// DecodeKeyed handles every non-signed type: the trailer (§9.2, §9.4, §9.5) is checked first,
// as a receiver would, then the content is printed and the trailer verdict after it.
void DecodeKeyed(const protocol::Header& h, ByteView msg, const DecodeKeys& k,
                 const FieldPrinter& out, Checks& checks);

// DecodeSigned handles the four signed types (§9.4): the content names the signer's
// certificate, whose key verifies the trailer.
void DecodeSigned(const protocol::Header& h, ByteView msg, const DecodeKeys& k, StreamContext& ctx,
                  const FieldPrinter& out, Checks& checks);

}  // namespace rcas::tools
