// `rcasctl decode`: pretty-print RCAS messages given as hex or found in a capture file, and
// check every trailer the given keys allow (PROFILE §3-§5, §7, §9, §10.4, §11.7). Exit status 1
// if any message fails framing, decoding or a check; a check without its key is reported as
// "not checked", which is not a failure. Output format: docs/rcasctl.md.

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>

#include "crypto/x509.h"
#include "protocol/content.h"
#include "protocol/framing.h"
#include "protocol/session_keys.h"
#include "tools/pcap_reader.h"
#include "tools/rcasctl/command.h"
#include "tools/rcasctl/decode_checks.h"
#include "tools/rcasctl/pki_store.h"
#include "tools/rcasctl/print_content.h"

namespace rcas::tools {
namespace {

using protocol::DecodeError;
using protocol::MessageType;

struct DecodeOptions {
  std::string hex;
  std::string hex_file;
  std::string pcap;
  std::string chk;
  std::string ik;
  std::string mek;
  std::string mek_iv;
  std::string answers;
  std::string root;
  std::string cam_key;
  std::string cass_id;
  std::string key_pairing_id;
};

Result<MessageType> ParseTypeName(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (uint16_t t = 1; t <= 14; ++t) {
    std::string name(protocol::MessageTypeName(static_cast<MessageType>(t)));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == text) {
      return static_cast<MessageType>(t);
    }
  }
  if (text.rfind("0x", 0) == 0) {
    text = text.substr(2);
  }
  auto octets = FromHex(text.size() % 2 == 1 ? "0" + text : text);
  if (octets && !octets->empty() && octets->size() <= 2) {
    const uint16_t t = octets->size() == 1 ? (*octets)[0] : LoadBe16(octets->data());
    if (protocol::IsKnownType(t)) {
      return static_cast<MessageType>(t);
    }
  }
  return Error{"--answers: '" + text +
               "' is not a message type (a name like KeyRequest, or 0x0003)"};
}

Result<DecodeKeys> LoadKeys(const DecodeOptions& o) {
  DecodeKeys k;
  if (!o.chk.empty()) {
    k.chk.emplace(*FromHex(o.chk));
  }
  k.ik = FromHex(o.ik).value_or(Bytes());
  if (!o.mek.empty()) {
    k.mek.emplace(*FromHex(o.mek));
  }
  if (!o.mek_iv.empty()) {
    k.mek_iv.emplace(*FromHex(o.mek_iv));
  }
  k.cass_id = FromHex(o.cass_id).value_or(Bytes());
  k.key_pairing_id = FromHex(o.key_pairing_id).value_or(Bytes());
  if (!o.answers.empty()) {
    auto t = ParseTypeName(o.answers);
    if (!t) {
      return Error{t.error()};
    }
    k.answers = *t;
  }
  if (!o.root.empty()) {
    auto pem = ReadTextFile(o.root);
    auto root =
        pem ? crypto::TrustAnchor::FromPem(*pem) : Result<crypto::TrustAnchor>(Error{pem.error()});
    if (!root) {
      return Error{"--root: " + root.error()};
    }
    k.root.emplace(std::move(*root));
  }
  if (!o.cam_key.empty()) {
    auto pem = ReadTextFile(o.cam_key);
    auto key = pem ? crypto::RsaPrivateKey::FromPem(*pem)
                   : Result<crypto::RsaPrivateKey>(Error{pem.error()});
    if (!key) {
      return Error{"--cam-key: " + key.error()};
    }
    k.cam_key.emplace(std::move(*key));
  }
  return k;
}

// Carrier says how a message arrived, which fixes its framing rule (§5.3, §5.4).
enum class Carrier { kHex, kUdp, kTcp };

// DecodeMessage prints one message (header, framing, content, trailer and checks) and returns
// whether every check passed.
bool DecodeMessage(size_t index, ByteView msg, const std::string& origin, Carrier carrier,
                   const DecodeKeys& k, StreamContext& ctx, std::ostream& os) {
  Checks checks;
  protocol::Header h;
  const protocol::HeaderError he = protocol::ParseHeader(msg, &h);
  os << "message " << index << ": "
     << (he == protocol::HeaderError::kOk ? protocol::MessageTypeName(h.type) : "?") << ", "
     << msg.size() << " octets" << (origin.empty() ? "" : ", " + origin) << "\n";
  const FieldPrinter out(os, 2);
  if (he != protocol::HeaderError::kOk) {
    out.Line("header", "FAILED (" + std::string(protocol::HeaderErrorName(he)) + ")");
    checks.Fail("header (" + std::string(protocol::HeaderErrorName(he)) + ")");
  } else {
    const FieldPrinter header = out.Nested("header");
    header.Hex("type", msg.first(2), protocol::MessageTypeName(h.type));
    header.Line("length", std::to_string(h.length) + " (16 + " + std::to_string(h.content_len()) +
                              " content octets" + (IsEncrypted(h.type) ? " encrypted" : "") + ")");
    header.Hex("nonce", msg.subspan(6, 8));
    header.Hex("version", msg.subspan(14, 1));
    header.Hex("reserved", msg.subspan(15, 1));
    const protocol::FrameError fe = carrier == Carrier::kUdp
                                        ? protocol::CheckUdpDatagram(msg, &h)
                                        : protocol::CheckFramedMessage(msg, &h);
    if (fe == protocol::FrameError::kOk) {
      const char* how = carrier == Carrier::kUdp   ? "one UDP datagram: "
                        : carrier == Carrier::kTcp ? "TCP frame: "
                                                   : "";
      out.Line("framing", "ok (" + std::string(how) + "length " + std::to_string(h.length) +
                              " + trailer " + std::to_string(protocol::TrailerLen(h.type)) + " = " +
                              std::to_string(h.message_len()) + " octets)");
    } else {
      out.Line("framing", "FAILED (" + std::string(protocol::FrameErrorName(fe)) + ": " +
                              std::to_string(msg.size()) + " octets, header says " +
                              std::to_string(h.message_len()) + ")");
      checks.Fail("framing (" + std::string(protocol::FrameErrorName(fe)) + ")");
    }
  }
  if (checks.failed.empty()) {
    if (IsSigned(h.type)) {
      DecodeSigned(h, msg, k, ctx, out, checks);
    } else {
      DecodeKeyed(h, msg, k, out, checks);
    }
    protocol::RcasAnnounceContent a;
    if (h.type == MessageType::kRcasAnnounce &&
        protocol::Decode(msg.subspan(protocol::kHeaderLen, h.content_len()), &a) ==
            DecodeError::kNone) {
      ctx.announced_cass_id.assign(a.cass_info.cass_id.begin(), a.cass_info.cass_id.end());
    }
  }
  std::string verdict = "ok";
  if (!checks.failed.empty()) {
    verdict = "FAILED:";
    for (const std::string& f : checks.failed) {
      verdict += " " + f + (&f == &checks.failed.back() ? "" : ";");
    }
  }
  out.Line("verdict", verdict);
  return checks.failed.empty();
}

// HexInput decodes the argument or --hex-file: hex digits, whitespace ignored.
Result<Bytes> HexInput(const DecodeOptions& o) {
  std::string text = o.hex;
  if (!o.hex_file.empty()) {
    auto file = ReadTextFile(o.hex_file);
    if (!file) {
      return Error{file.error()};
    }
    text = std::move(*file);
  }
  text.erase(std::remove_if(text.begin(), text.end(),
                            [](unsigned char c) { return std::isspace(c) != 0; }),
             text.end());
  auto octets = FromHex(text);
  if (!octets) {
    return Error{"input is not hex (" + std::to_string(text.size()) +
                 " characters; expected pairs of 0-9a-f, whitespace ignored)"};
  }
  if (octets->empty()) {
    return Error{"input is empty"};
  }
  return std::move(*octets);
}

// RunHex decodes back-to-back messages (cut as on TCP, §5.3). Input that is not a message at
// all is an error line; a tail after good messages is a failed check.
int RunHex(const DecodeOptions& o, const DecodeKeys& k) {
  auto input = HexInput(o);
  if (!input) {
    return Fail(input.error());
  }
  StreamContext ctx;
  ByteView rest = *input;
  size_t count = 0;
  size_t failed = 0;
  while (!rest.empty()) {
    const protocol::TcpFrame f = protocol::NextTcpFrame(rest);
    std::string problem;
    if (f.kind == protocol::TcpFrame::Kind::kClose) {
      problem = "not an RCAS message header (" +
                std::string(protocol::HeaderErrorName(f.header_error)) + ")";
    } else if (f.kind == protocol::TcpFrame::Kind::kNeedMore) {
      problem = "incomplete message: " + std::to_string(rest.size()) + " octets, " +
                (rest.size() < protocol::kHeaderLen ? "a header alone is 16"
                                                    : "the header says " + std::to_string(f.size));
    }
    if (!problem.empty()) {
      if (count == 0) {
        return Fail(problem);
      }
      std::cout << "after message " << count << ": " << rest.size() << " more octets: FAILED ("
                << problem << ")\n";
      ++failed;
      break;
    }
    failed +=
        DecodeMessage(++count, rest.first(f.size), "", Carrier::kHex, k, ctx, std::cout) ? 0 : 1;
    rest = rest.subspan(f.size);
  }
  std::cout << "decode: " << count << (count == 1 ? " message" : " messages") << ", " << failed
            << " failed\n";
  return failed == 0 ? kExitOk : kExitFailure;
}

int RunPcap(const DecodeOptions& o, const DecodeKeys& k) {
  auto scan = ReadCapture(o.pcap);
  if (!scan) {
    return Fail(scan.error());
  }
  StreamContext ctx;
  size_t index = 0;
  size_t failed = 0;
  for (const CapturedMessage& m : scan->messages) {
    const std::string origin = "packet " + std::to_string(m.packet) + ", " + m.flow;
    failed += DecodeMessage(++index, m.message, origin, m.tcp ? Carrier::kTcp : Carrier::kUdp, k,
                            ctx, std::cout)
                  ? 0
                  : 1;
  }
  for (const TcpFramingFailure& f : scan->tcp_failures) {
    std::cout << "flow " << f.flow << ": framing FAILED (" << f.reason << ")\n";
    ++failed;
  }
  std::cout << "decode: " << index << (index == 1 ? " message" : " messages") << ", " << failed
            << " failed; " << scan->packets << " packets, skipped " << scan->skipped_link
            << " not Ethernet/IP/UDP/TCP, " << scan->skipped_fragment << " IP fragments, "
            << scan->skipped_l4 << " other protocols, " << scan->skipped_not_rcas << " not RCAS, "
            << scan->empty << " TCP without payload\n";
  return failed == 0 ? kExitOk : kExitFailure;
}

int RunDecode(const DecodeOptions& o) {
  const int inputs = int{!o.hex.empty()} + int{!o.hex_file.empty()} + int{!o.pcap.empty()};
  if (inputs != 1) {
    return Fail("give exactly one input: HEX, --hex-file FILE or --pcap FILE");
  }
  auto keys = LoadKeys(o);
  if (!keys) {
    return Fail(keys.error());
  }
  return o.pcap.empty() ? RunHex(o, *keys) : RunPcap(o, *keys);
}

// IkOctets accepts an IHK (20 octets, normal mode) or a MAK (16, fast mode).
CLI::Validator IkOctets() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        auto octets = FromHex(value);
        if (!octets ||
            (octets->size() != protocol::kIhkLen && octets->size() != protocol::kMakLen)) {
          return "expected 40 hex digits (IHK) or 32 (MAK), got '" + value + "'";
        }
        return std::string();
      },
      "HEX40|HEX32");
}

}  // namespace

void AddDecodeCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DecodeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "decode", "pretty-print RCAS messages (hex or a capture file) and check their trailers");
  cmd->add_option("hex", o->hex, "one message (or several back to back) as hex");
  cmd->add_option("--hex-file", o->hex_file, "file with the message(s) as hex, whitespace ignored")
      ->check(CLI::ExistingFile);
  cmd->add_option("--pcap", o->pcap, "pcap or pcapng file: every RCAS message in it")
      ->check(CLI::ExistingFile);
  cmd->add_option("--chk", o->chk, "CHK for RCASAnnounce / RCASRenewal (PROFILE §11.5)")
      ->check(HexOctets(protocol::kIhkLen));
  cmd->add_option("--ik", o->ik, "integrity key: IHK (normal mode) or MAK (fast mode)")
      ->check(IkOctets());
  cmd->add_option("--mek", o->mek, "MEK, to decrypt (PROFILE §9.1)")->check(HexOctets(16));
  cmd->add_option("--mek-iv", o->mek_iv, "MEK-IV, the IV base after CAMRegConfirm (§9.3)")
      ->check(HexOctets(16));
  cmd->add_option("--answers", o->answers,
                  "for a Status: the type it answers, which fixes keyed or unkeyed (§9.5)");
  cmd->add_option("--root", o->root, "AC root certificate PEM: run the certificate checks")
      ->check(CLI::ExistingFile);
  cmd->add_option("--cam-key", o->cam_key, "CAM private key PEM: decrypt rSAEncryptedContent")
      ->check(CLI::ExistingFile);
  cmd->add_option("--cass-id", o->cass_id, "announced CASS_ID for the CASS certificate binding")
      ->check(HexOctets(crypto::kCassIdLen));
  cmd->add_option("--key-pairing-id", o->key_pairing_id,
                  "KeyPairingID, to check a KeyResponse's sIGN-kpk without its KeyRequest")
      ->check(HexOctets(crypto::kKeyPairingIdLen));
  cmd->callback([o, &exit_code] { exit_code = RunDecode(*o); });
}

}  // namespace rcas::tools
