#pragma once
// Field printer for `rcasctl decode`: every component of the 16 message contents (PROFILE
// §7.4) by its rcas.asn1 name, one "name: value" line each. Octet strings print as hex (the
// notation of tests/data/vectors/messages.json) with a reading in parentheses where one helps
// (enumerations, cASSIPAddr, downloadSchedule, ports); fn as quoted text; BOOLEANs as
// true/false; SEQUENCE OF entries as "[i]" blocks. Certificates also get a one-line summary.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/rsa.h"
#include "protocol/content.h"
#include "protocol/der_error.h"
#include "protocol/message_type.h"

namespace rcas::tools {

// FieldPrinter writes indented "name: value" lines to a stream it does not own.
class FieldPrinter {
 public:
  FieldPrinter(std::ostream& out, int indent) : out_(out), indent_(indent) {}

  // Line writes "name: value" (value already formatted).
  void Line(std::string_view name, std::string_view value) const;
  // Hex writes "name: <hex>" and, if `note` is not empty, " (<note>)".
  void Hex(std::string_view name, ByteView value, std::string_view note = {}) const;
  void Bool(std::string_view name, bool value) const;
  // Certificate writes the DER as hex and a summary line under it.
  void Certificate(std::string_view name, ByteView der) const;
  // Nested writes "name:" and returns a printer one level deeper.
  FieldPrinter Nested(std::string_view name) const;

 private:
  std::ostream& out_;
  int indent_;
};

// ContentName is the rcas.asn1 type name of the content of `type` ("RcasAncMsgContent", ...).
std::string_view ContentName(protocol::MessageType type);

// PrintContent decodes `der` as the content of a message of `type` and, if it decodes, prints
// every field. Returns the decode verdict (nothing is printed on failure).
protocol::DecodeError PrintContent(protocol::MessageType type, ByteView der, const FieldPrinter& p);

// PrintKeyResponseConfidential / PrintKeyRegResponseConfidential do the same for the two
// OAEP plaintexts (KeyRspConfidentialContent, KeyRegRspConfidentialContent).
protocol::DecodeError PrintKeyResponseConfidential(ByteView der, const FieldPrinter& p);
protocol::DecodeError PrintKeyRegResponseConfidential(ByteView der, const FieldPrinter& p);

// CertificateSummary is "subject <CN>, serialNumber <id>, valid <from> .. <to> UTC" for a DER
// X.509 certificate, or "not an X.509 certificate". Nothing is verified.
std::string CertificateSummary(ByteView der);

// CertificateKey returns the subject public key of a DER certificate without checking it, so
// that a signature can be verified when no root is given (PROFILE §9.4).
Result<crypto::RsaPublicKey> CertificateKey(ByteView der);

// CertificateSerialNumber returns the subject serialNumber text ("0000000A"), if any.
std::optional<std::string> CertificateSerialNumber(ByteView der);

}  // namespace rcas::tools
