// `rcasctl decode` end to end (the built binary, found through $RCAS_BUILD_DIR): every message of
// vectors/messages.json decodes with its keys, prints every content field of the vector and "ok"
// verdicts; tampering is named and exits 1; bad input is one error line; a capture file with
// UDP datagrams and a TCP flow split over two segments gives back the same messages.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "crypto/bytes.h"
#include "tests/common/temp_dir.h"
#include "tests/common/vectors.h"
#include "tests/tools/rcasctl_runner.h"

namespace rcas::tools {
namespace {

using rcas::testing::Hex;

const std::string kPki = rcas::testing::DataPath("vectors/pki/");
// KeyPairingID of the vector CAM: CAM_ID 0102030405060708 || DSC_ID 10 11 .. 37 (PROFILE §19).
const std::string kKeyPairingId =
    "0102030405060708101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334"
    "353637";

class Decode : public RcasctlTest {
 protected:
  Decode() : RcasctlTest("decode") {}

  // ExpectOneLineError also checks that nothing was printed on stdout.
  void ExpectOneLineError(const std::string& args) {
    RcasctlTest::ExpectOneLineError(args);
    EXPECT_EQ(out_, "");
  }
};

// KeyArgs turns a case's inputs.keys (and type) into decode options.
std::string KeyArgs(const nlohmann::json& c) {
  std::string args;
  for (const auto& [name, value] : c["inputs"]["keys"].items()) {
    const std::string v = value.get<std::string>();
    if (name.find("CHK") != std::string::npos) {
      args += " --chk " + v;
    } else if (name.rfind("mac_key", 0) == 0) {
      args += " --ik " + v;
    } else if (name.rfind("ek", 0) == 0) {
      args += " --mek " + v;
    } else if (name.rfind("iv_base", 0) == 0 && v != std::string(32, '0')) {
      args += " --mek-iv " + v;  // zero: CAMRegConfirm's fixed IV base (§9.3), not an option
    }
  }
  const std::string type = c["type"];
  if (type == "0003" || type == "0004" || type == "000d" || type == "000e") {
    args += " --root " + kPki + "ac-root.cert.pem --cam-key " + kPki + "cam.key.pem";
  }
  if (type == "0004") {
    args += " --key-pairing-id " + kKeyPairingId;
  }
  std::smatch m;
  const std::string description = c["description"];
  if (type == "000a" && std::regex_search(description, m, std::regex("answering (\\w+)"))) {
    args += " --answers " + m[1].str();
  }
  return args;
}

// ExpectFields checks that every leaf of a vector's content value is printed as
// "name: value" (hex, quoted text for fn, true/false for BOOLEANs).
void ExpectFields(const nlohmann::json& value, const std::string& out) {
  for (const auto& [name, v] : value.items()) {
    if (v.is_object() || v.is_array()) {
      ExpectFields(v, out);
      continue;
    }
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
      continue;  // array index: its object was walked above
    }
    std::string text = v.is_boolean() ? (v.get<bool>() ? "true" : "false") : v.get<std::string>();
    if (name == "fn") {
      text = "\"" + text + "\"";
    }
    EXPECT_NE(out.find(name + ": " + text), std::string::npos) << name << ": " << text;
  }
}

TEST_F(Decode, EveryVectorMessageDecodesWithItsKeysAndVerifies) {
  const nlohmann::json file = rcas::testing::LoadJson("vectors/messages.json");
  size_t checked = 0;
  for (const auto& c : file["cases"]) {
    if (!c.contains("type")) {
      continue;  // the two OAEP plaintexts are checked inside their messages
    }
    SCOPED_TRACE(c["description"].get<std::string>());
    ASSERT_EQ(Run(c["expected"]["message"].get<std::string>() + KeyArgs(c)), 0) << out_ << err_;
    EXPECT_NE(out_.find("message 1: " + c["type_name"].get<std::string>()), std::string::npos);
    EXPECT_NE(out_.find("nonce: " + c["inputs"]["nonce"].get<std::string>()), std::string::npos);
    EXPECT_NE(out_.find("framing: ok"), std::string::npos);
    EXPECT_TRUE(std::regex_search(out_, std::regex("trailer: .* ok\n"))) << out_;
    EXPECT_NE(out_.find("verdict: ok"), std::string::npos);
    EXPECT_EQ(out_.find("FAILED"), std::string::npos) << out_;
    EXPECT_EQ(out_.find("not checked"), std::string::npos) << out_;  // every key was given
    EXPECT_NE(out_.find("decode: 1 message, 0 failed"), std::string::npos);
    ExpectFields(c["inputs"]["content"], out_);
    if (c["expected"].contains("oaep_plaintext_value")) {
      ExpectFields(c["expected"]["oaep_plaintext_value"], out_);
      EXPECT_NE(out_.find("certificate: CASS certificate ok"), std::string::npos);
    }
    if (c["type"] == "0004") {
      EXPECT_NE(out_.find("sIGN-kpk: AC root signature over KeyPairingID || KPK ok"),
                std::string::npos);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 21u);
}

nlohmann::json VectorCase(const std::string& type_name, size_t nth = 0) {
  const nlohmann::json file = rcas::testing::LoadJson("vectors/messages.json");
  for (const auto& c : file["cases"]) {
    if (c["type_name"] == type_name && nth-- == 0) {
      return c;
    }
  }
  throw std::runtime_error("no vector " + type_name);
}

std::string Flip(const std::string& hex, size_t octet) {
  Bytes b = Hex(hex);
  b.at(octet) ^= 0x01;
  return ToHex(b);
}

TEST_F(Decode, TamperedContentFailsTheHmacAndExitsOne) {
  const auto c = VectorCase("CAMReg");
  EXPECT_EQ(Run(Flip(c["expected"]["message"], 40) + KeyArgs(c)), 1);
  EXPECT_NE(out_.find("trailer: HMAC-SHA1(IHK) FAILED (bad-mac)"), std::string::npos) << out_;
  EXPECT_NE(out_.find("verdict: FAILED: HMAC-SHA1(IHK)"), std::string::npos) << out_;
  EXPECT_NE(out_.find("decode: 1 message, 1 failed"), std::string::npos);
}

TEST_F(Decode, TamperedEncryptedMessageIsNotDecrypted) {
  const auto c = VectorCase("RenewInfo");
  EXPECT_EQ(Run(Flip(c["expected"]["message"], 30) + KeyArgs(c)), 1);
  EXPECT_NE(out_.find("HMAC-SHA1(IHK) FAILED"), std::string::npos) << out_;
  EXPECT_EQ(out_.find("hashed-CCCI"), std::string::npos) << out_;
}

TEST_F(Decode, TamperedSignatureOrCertificateIsNamed) {
  const auto c = VectorCase("KeyRequest");
  const std::string message = c["expected"]["message"];
  EXPECT_EQ(Run(Flip(message, message.size() / 2 - 1) + KeyArgs(c)), 1);
  EXPECT_NE(out_.find("verdict: FAILED: RSA signature"), std::string::npos) << out_;
  // The CASS binding: a KeyResponse from CASS 0000000a does not pass for CASS 0000000b.
  const auto r = VectorCase("KeyResponse");
  EXPECT_EQ(Run(r["expected"]["message"].get<std::string>() + KeyArgs(r) + " --cass-id 0000000b"),
            1);
  EXPECT_NE(out_.find("CASS certificate FAILED (id-binding)"), std::string::npos) << out_;
}

TEST_F(Decode, StatusFormFollowsWhatItAnswers) {
  const auto unkeyed = VectorCase("Status", 1);  // 0x05 answering KeyRequest
  ASSERT_EQ(Run(unkeyed["expected"]["message"].get<std::string>()), 0) << out_;
  EXPECT_NE(out_.find("SHA-1 digest (unkeyed Status) ok"), std::string::npos);
  EXPECT_NE(out_.find("statusInfo: 05 (RSA signature verification fail)"), std::string::npos);
  // Claimed to answer a CAMReg, it must be keyed: the digest form is then a failure.
  EXPECT_EQ(Run(unkeyed["expected"]["message"].get<std::string>() +
                " --answers CAMReg --ik 5d15b3d4b5fe383424cad236dd13c99a898db3b8"),
            1);
  EXPECT_NE(out_.find("(keyed Status) FAILED"), std::string::npos) << out_;
  // Without --answers, a keyed Status is recognised by its HMAC.
  const auto keyed = VectorCase("Status", 0);
  ASSERT_EQ(Run(keyed["expected"]["message"].get<std::string>() +
                " --ik 5d15b3d4b5fe383424cad236dd13c99a898db3b8"),
            0);
  EXPECT_NE(out_.find("HMAC-SHA1(IHK) (keyed Status) ok"), std::string::npos) << out_;
}

TEST_F(Decode, WithoutKeysTheTrailerIsNotCheckedAndTheContentStaysEncrypted) {
  const auto c = VectorCase("RenewInfo");
  ASSERT_EQ(Run(c["expected"]["message"]), 0) << out_;
  EXPECT_NE(out_.find("trailer: HMAC-SHA1(IK) not checked (give --ik)"), std::string::npos);
  EXPECT_NE(out_.find("content: encrypted (144 octets), give --ik and --mek/--mek-iv to decrypt"),
            std::string::npos)
      << out_;
  // With IHK only, the MAC is checked over the ciphertext.
  ASSERT_EQ(Run(c["expected"]["message"].get<std::string>() +
                " --ik 5d15b3d4b5fe383424cad236dd13c99a898db3b8"),
            0);
  EXPECT_NE(out_.find("trailer: HMAC-SHA1(IHK) ok"), std::string::npos);
  EXPECT_NE(out_.find("give --mek/--mek-iv to decrypt"), std::string::npos) << out_;
}

TEST_F(Decode, BadInputIsOneErrorLine) {
  ExpectOneLineError("zz00");
  ExpectOneLineError("000");                          // odd digit count
  ExpectOneLineError("0001000000");                   // shorter than a header
  ExpectOneLineError("00ff" + std::string(60, '0'));  // unknown type: not a message
  ExpectOneLineError("");                             // no input at all
  ExpectOneLineError("--hex-file " + dir_.File("missing.hex"));
  ExpectOneLineError("--pcap " + dir_.Write("junk.pcap", "not a capture file"));
  const auto c = VectorCase("CAMReg");
  ExpectOneLineError(c["expected"]["message"].get<std::string>() + " --ik 00");
}

TEST_F(Decode, HexFileMayHoldSeveralMessagesAndATruncatedTailFails) {
  const std::string a = VectorCase("RCASAnnounce")["expected"]["message"];
  const std::string b = VectorCase("RCASRenewal")["expected"]["message"];
  const std::string chk = " --chk 978bcd6b05f7ce15b80d7c537128fd2e6eb799a5";
  ASSERT_EQ(Run("--hex-file " + dir_.Write("two.hex", a + "\n" + b + "\n") + chk), 0) << out_;
  EXPECT_NE(out_.find("message 2: RCASRenewal"), std::string::npos);
  EXPECT_NE(out_.find("decode: 2 messages, 0 failed"), std::string::npos);
  EXPECT_EQ(Run("--hex-file " + dir_.Write("cut.hex", a + b.substr(0, 40)) + chk), 1);
  EXPECT_NE(out_.find("incomplete message"), std::string::npos) << out_;
}

// Capture builds a classic libpcap file (LINKTYPE_ETHERNET) by hand.
class Capture {
 public:
  Capture() {
    Le32(0xa1b2c3d4);  // magic, microsecond timestamps
    Le16(2);
    Le16(4);
    Le32(0);
    Le32(0);
    Le32(65535);  // snaplen
    Le32(1);      // Ethernet
  }

  // Udp / Tcp append an Ethernet + IPv4 frame; `vlan` adds an 802.1Q tag.
  void Udp(ByteView payload, bool vlan = false) {
    Bytes l4 = {0xbf, 0xd0, 0x13, 0x88, 0, 0, 0, 0};  // 49104 -> 5000
    StoreBe16(&l4[4], static_cast<uint16_t>(8 + payload.size()));
    Frame(17, l4, payload, vlan);
  }
  void Tcp(ByteView payload) {
    Bytes l4(20, 0);
    StoreBe16(&l4[0], 40000);
    StoreBe16(&l4[2], 49104);
    l4[12] = 0x50;  // data offset 5 words
    l4[13] = 0x18;  // PSH, ACK
    Frame(6, l4, payload, false);
  }
  void Arp() { Record(Bytes(42, 0x06)); }  // EtherType 0x0606: not IP, skipped

  const Bytes& bytes() const { return file_; }

 private:
  void Le16(uint16_t v) {
    file_.push_back(static_cast<uint8_t>(v));
    file_.push_back(static_cast<uint8_t>(v >> 8));
  }
  void Le32(uint32_t v) {
    Le16(static_cast<uint16_t>(v));
    Le16(static_cast<uint16_t>(v >> 16));
  }
  void Frame(uint8_t proto, const Bytes& l4, ByteView payload, bool vlan) {
    Bytes f = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6};
    if (vlan) {
      f.insert(f.end(), {0x81, 0x00, 0x00, 0x64});
    }
    f.insert(f.end(), {0x08, 0x00});
    Bytes ip = {0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, proto, 0, 0, 192, 0, 2, 10, 192, 0, 2, 99};
    StoreBe16(&ip[2], static_cast<uint16_t>(ip.size() + l4.size() + payload.size()));
    Append(f, ip);
    Append(f, l4);
    Append(f, payload);
    Record(f);
  }
  void Record(const Bytes& frame) {
    Le32(1700000000);
    Le32(0);
    Le32(static_cast<uint32_t>(frame.size()));
    Le32(static_cast<uint32_t>(frame.size()));
    Append(file_, frame);
  }

  Bytes file_;
};

TEST_F(Decode, PcapGivesBackUdpDatagramsAndATcpMessageSplitOverTwoSegments) {
  const Bytes announce = Hex(VectorCase("RCASAnnounce")["expected"]["message"]);
  const Bytes cam_reg = Hex(VectorCase("CAMReg")["expected"]["message"]);
  const Bytes key_request = Hex(VectorCase("KeyRequest")["expected"]["message"]);
  Capture cap;
  cap.Udp(announce);
  cap.Arp();
  cap.Tcp(ByteView(key_request).first(700));
  cap.Udp(cam_reg, /*vlan=*/true);
  cap.Tcp(ByteView(key_request).subspan(700));
  const std::string path =
      dir_.Write("two.pcap", std::string(cap.bytes().begin(), cap.bytes().end()));
  const std::string keys =
      " --chk 978bcd6b05f7ce15b80d7c537128fd2e6eb799a5 --ik "
      "5d15b3d4b5fe383424cad236dd13c99a898db3b8 --root " +
      kPki + "ac-root.cert.pem";
  ASSERT_EQ(Run("--pcap " + path + keys), 0) << out_ << err_;
  EXPECT_NE(out_.find("message 1: RCASAnnounce, 147 octets, packet 1, udp 192.0.2.10:49104 -> "
                      "192.0.2.99:5000"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find("message 2: CAMReg, 144 octets, packet 4"), std::string::npos) << out_;
  EXPECT_NE(out_.find("message 3: KeyRequest, 1177 octets, packet 5, tcp 192.0.2.10:40000 -> "
                      "192.0.2.99:49104"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find("framing: ok (one UDP datagram"), std::string::npos);
  EXPECT_NE(out_.find("framing: ok (TCP frame"), std::string::npos);
  EXPECT_NE(out_.find("certificate: CAM certificate ok"), std::string::npos);
  EXPECT_EQ(out_.find("FAILED"), std::string::npos) << out_;
  EXPECT_NE(out_.find("decode: 3 messages, 0 failed; 5 packets, skipped 1 not Ethernet/IP/UDP/TCP"),
            std::string::npos)
      << out_;

  // A UDP datagram longer than its message fails framing (§5.4); exit 1.
  Bytes padded = cam_reg;
  padded.push_back(0);
  Capture bad;
  bad.Udp(padded);
  const std::string bad_path =
      dir_.Write("bad.pcap", std::string(bad.bytes().begin(), bad.bytes().end()));
  EXPECT_EQ(Run("--pcap " + bad_path + keys), 1);
  EXPECT_NE(out_.find("framing: FAILED (frame-length-mismatch"), std::string::npos) << out_;
}

}  // namespace
}  // namespace rcas::tools
