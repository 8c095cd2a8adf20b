// The scripted CASS and the fake CamIo of the reference CAM tests.

#include "tests/tools/cam_testing.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "crypto/aes.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/sign_kpk.h"
#include "protocol/iv.h"
#include "protocol/protect_signed.h"
#include "tests/common/vectors.h"

namespace rcas::testing {
namespace {

using protocol::MessageType;

template <size_t N>
protocol::FixedView<N> Fix(ByteView v) {
  return protocol::FixedView<N>(v.data(), N);
}

constexpr std::array<uint8_t, 4> kHw = {0, 0, 0, 1};
constexpr std::array<uint8_t, 4> kSw = {0, 0, 0, 2};
constexpr std::array<uint8_t, 16> kImageServer = {0, 0, 0,    0,    0,   0, 0, 0,
                                                  0, 0, 0xff, 0xff, 127, 0, 0, 1};

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

void FakeIo::OpenSession(const tools::CamTarget& target) {
  opened.push_back(target);
  if (fail_open && machine != nullptr) {
    machine->OnTransportClosed(kT0);
  }
}

Bytes FakeIo::Last() const {
  EXPECT_FALSE(sent.empty());
  return sent.empty() ? Bytes() : sent.back();
}

protocol::MessageType FakeIo::TypeOf(size_t i) const { return HeaderOf(sent.at(i)).type; }

Bytes UdpPeer::Recv() {
  Bytes buf(65536);
  len_ = sizeof(from_);
  pollfd p{fd_, POLLIN, 0};
  const ssize_t n = poll(&p, 1, 10'000) == 1 ? recvfrom(fd_, buf.data(), buf.size(), 0,
                                                        reinterpret_cast<sockaddr*>(&from_), &len_)
                                             : -1;
  buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return buf;
}

void UdpPeer::Reply(ByteView m) const {
  EXPECT_EQ(sendto(fd_, m.data(), m.size(), 0, reinterpret_cast<const sockaddr*>(&from_), len_),
            static_cast<ssize_t>(m.size()));
}

protocol::Header HeaderOf(ByteView message) {
  protocol::Header h;
  EXPECT_EQ(protocol::ParseHeader(message, &h), protocol::HeaderError::kOk);
  return h;
}

uint8_t StatusCodeOf(ByteView message) {
  const protocol::Header h = HeaderOf(message);
  EXPECT_EQ(h.type, MessageType::kStatus);
  protocol::StatusContent s;
  EXPECT_EQ(protocol::Decode(message.subspan(protocol::kHeaderLen, h.content_len()), &s),
            protocol::DecodeError::kNone);
  return s.status_info;
}

TestCass::TestCass()
    : root_(*crypto::TrustAnchor::FromPem(ReadFile("vectors/pki/ac-root.cert.pem"))),
      root_key_(*crypto::RsaPrivateKey::FromPem(ReadFile("vectors/pki/ac-root.key.pem"))),
      cass_key_(*crypto::RsaPrivateKey::FromPem(ReadFile("vectors/pki/cass.key.pem"))),
      cass_cert_(*crypto::CertificatePemToDer(ReadFile("vectors/pki/cass.cert.pem"))),
      cam_key_(*crypto::RsaPrivateKey::FromPem(ReadFile("vectors/pki/cam.key.pem"))) {
  cam_public_ = cam_key_->Public();
  record_.cam_id = {1, 2, 3, 4, 5, 6, 7, 8};
  record_.dsc_id.fill(0xd5);
  for (auto& k : record_.keys) {
    crypto::RandomBytes(k.ki.mutable_view());
    crypto::RandomBytes(k.opc.mutable_view());
  }
  record_.certificate_der = *crypto::CertificatePemToDer(ReadFile("vectors/pki/cam.cert.pem"));
  record_.key_file = "cam.key.pem";
  cass_id_ = {0, 0, 0, 0x0a};
  InitZone();
}

TestCass::TestCass(const std::string& pki_dir, const std::string& cass_hex,
                   tools::CamRecord ac_record)
    : root_(*crypto::TrustAnchor::FromPem(ReadText(pki_dir + "/ac-root.cert.pem"))),
      root_key_(*crypto::RsaPrivateKey::FromPem(ReadText(pki_dir + "/ac-root.key.pem"))),
      cass_key_(
          *crypto::RsaPrivateKey::FromPem(ReadText(pki_dir + "/cass-" + cass_hex + ".key.pem"))),
      cass_cert_(
          *crypto::CertificatePemToDer(ReadText(pki_dir + "/cass-" + cass_hex + ".cert.pem"))),
      record_(std::move(ac_record)) {
  const crypto::CamCertResult cert = crypto::CheckCamCertificate(
      *root_, record_.certificate_der, record_.KeyPairingId(), std::time(nullptr));
  EXPECT_TRUE(cert.ok());
  cam_public_ = *cert.subject_key;
  CopyTo(cass_id_, *FromHex(cass_hex));
  InitZone();
}

void TestCass::InitZone() {
  static constexpr char kAddr[] = "127.0.0.1";
  std::memcpy(ip_addr_.data(), kAddr, sizeof(kAddr) - 1);
  const protocol::CassInfo info{cass_id_, 0x01, ip_addr_, 0x01, 49104};
  EXPECT_TRUE(protocol::Encode(info, &cass_info_der_));
  chk_ = protocol::DeriveChk(crypto::RandomArray<protocol::kRandLen>(), cass_info_der_);
}

tools::CamIdentity TestCass::CamIdentity() const { return {record_, *cam_key_, *root_}; }

tools::CamTarget TestCass::Target(tools::CamTransport transport) const {
  return {cass_id_, "127.0.0.1", port_, transport};
}

Bytes TestCass::Announce(uint8_t flag, uint64_t counter, uint16_t version,
                         const protocol::Secret20* chk) const {
  const protocol::CamClientInfo client{0x01, 0x00, 0x0001, version};
  const protocol::CamClientVersion cv{
      kHw, kSw, protocol::SequenceOf<protocol::CamClientInfo>::Values({&client, 1})};
  const protocol::CassInfo info{cass_id_, 0x01, ip_addr_, 0x01, port_};
  const protocol::RcasAnnounceContent content{
      flag, protocol::SequenceOf<protocol::CamClientVersion>::Values({&cv, 1}), info};
  Bytes der;
  EXPECT_TRUE(protocol::Encode(content, &der));
  return *protocol::SealToBytes(protocol::ProtectionOf(MessageType::kRcasAnnounce), counter, der,
                                {chk != nullptr ? chk : &chk_, nullptr});
}

Bytes TestCass::Renewal(uint64_t counter, std::string_view schedule, bool key_request_req,
                        bool purchase_report_req) const {
  const protocol::RcasRenewalContent content{AsView(schedule), key_request_req,
                                             purchase_report_req};
  Bytes der;
  EXPECT_TRUE(protocol::Encode(content, &der));
  return *protocol::SealToBytes(protocol::ProtectionOf(MessageType::kRcasRenewal), counter, der,
                                {&chk_, nullptr});
}

Bytes TestCass::SealSigned(MessageType type, uint64_t nonce, ByteView der, bool tamper) const {
  Bytes m = *protocol::SealSignedToBytes(type, nonce, der, *cass_key_);
  if (tamper) {
    m.back() ^= 0x01;
  }
  return m;
}

Bytes TestCass::KeyResponse(ByteView key_request, const Tamper& tamper) {
  protocol::SignedMessage parsed;
  protocol::KeyRequestContent req;
  EXPECT_EQ(protocol::ParseSigned(key_request, &parsed), protocol::ProtectError::kOk);
  EXPECT_EQ(protocol::Decode(parsed.content, &req), protocol::DecodeError::kNone);
  EXPECT_EQ(protocol::VerifySigned(parsed, *cam_public_), protocol::ProtectError::kOk);
  CopyTo(session_id_, req.session_id);
  std::array<std::array<uint8_t, 16>, 3> rand_ac;
  for (auto& r : rand_ac) {
    r = crypto::RandomArray<16>();
  }
  for (size_t j = 0; j < 3; ++j) {
    kc_[j] = protocol::DeriveKc(record_.keys[j].ki, record_.keys[j].opc, rand_ac[j]);
  }
  protocol::Secret20 kpk;
  crypto::RandomBytes(kpk.mutable_view());
  Bytes sign_kpk = crypto::SignKpk(*root_key_, req.key_pairing_id, kpk.view());
  if (tamper.sign_kpk) {
    sign_kpk[10] ^= 0x01;
  }
  const protocol::Secret20 ihk =
      protocol::DeriveIhk(crypto::RandomArray<protocol::kRandLen>(), ip_addr_,
                          Fix<protocol::kKeyPairingIdLen>(req.key_pairing_id));
  keys_ = protocol::SessionKeys::Normal(ihk);
  const protocol::KeyResponseConfidential secret{chk_.view(), ihk.view(), rand_ac[0],
                                                 rand_ac[1],  rand_ac[2], kpk.view()};
  Bytes der;
  EXPECT_TRUE(protocol::Encode(secret, &der));
  if (tamper.equal_rand_ac) {  // the encoder refuses equal RAND_AC, so patch the DER
    const auto at = std::search(der.begin(), der.end(), rand_ac[1].begin(), rand_ac[1].end());
    std::copy(rand_ac[0].begin(), rand_ac[0].end(), at);
  }
  Bytes cipher = tamper.oaep ? Bytes(256, 0x5a) : *cam_public_->EncryptOaepSha256(der);
  std::array<uint8_t, 10> sid = session_id_;
  if (tamper.other_session) {
    sid[0] ^= 0xff;
  }
  const protocol::KeyResponseContent content{sid, cass_cert_, cipher, sign_kpk};
  Bytes out;
  EXPECT_TRUE(protocol::Encode(content, &out));
  return SealSigned(MessageType::kKeyResponse, parsed.header.nonce, out, tamper.signature);
}

Bytes TestCass::CamRegConfirm(ByteView cam_reg, bool bad_mac) {
  Bytes plain;
  auto opened = OpenFromCam(cam_reg, &plain);
  EXPECT_TRUE(opened.has_value());
  protocol::CamRegContent v;
  EXPECT_EQ(protocol::Decode(opened->content, &v), protocol::DecodeError::kNone);
  const protocol::MekIccIek derived = protocol::DeriveMekIccIek(
      protocol::DeriveMk(record_.cam_id, session_id_, kc_, Fix<16>(v.nonce_cam),
                         Fix<4>(v.hw_version), Fix<4>(v.sw_version)));
  EXPECT_TRUE(crypto::ConstantTimeEqual(protocol::HashMekIccIek(derived), v.hashed_mek_icciek));
  keys_->SetMek(derived.mek);
  icciek_ = derived.icciek;
  const auto mek_iv = crypto::RandomArray<16>();
  icciek_iv_ = protocol::SecretBlock(crypto::RandomArray<16>());
  ccciek_ = crypto::AesKey(crypto::RandomArray<16>());
  ccciek_iv_ = protocol::SecretBlock(crypto::RandomArray<16>());
  const protocol::CamRegConfirmContent content{session_id_, mek_iv, icciek_iv_.view(),
                                               ccciek_iv_.view(), ccciek_.view()};
  Bytes der;
  EXPECT_TRUE(protocol::Encode(content, &der));
  Bytes out = *protocol::SealToBytes(protocol::ProtectionOf(MessageType::kCamRegConfirm),
                                     opened->header.nonce, der, {nullptr, &*keys_});
  keys_->SetMekIv(protocol::SecretBlock(mek_iv));
  if (bad_mac) {
    out.back() ^= 0x01;
  }
  return out;
}

Bytes TestCass::KeyRegResponse(ByteView key_reg_request, const Tamper& tamper) {
  protocol::SignedMessage parsed;
  protocol::KeyRegRequestContent req;
  EXPECT_EQ(protocol::ParseSigned(key_reg_request, &parsed), protocol::ProtectError::kOk);
  EXPECT_EQ(protocol::Decode(parsed.content, &req), protocol::DecodeError::kNone);
  EXPECT_EQ(protocol::VerifySigned(parsed, *cam_public_), protocol::ProtectError::kOk);
  CopyTo(session_id_, req.session_id);
  const crypto::AesKey ak = protocol::DeriveAk(
      protocol::DeriveAkSeed(record_.cam_id, session_id_, crypto::RandomArray<16>(), kHw, kSw));
  const protocol::FastModeKeys k = protocol::DeriveFastModeKeys(ak);
  keys_ = protocol::SessionKeys::Fast(k.mak, k.mek, k.mek_iv);
  icciek_ = k.icciek;
  icciek_iv_ = k.icciek_iv;
  ccciek_ = k.ccciek;
  ccciek_iv_ = k.ccciek_iv;
  const protocol::KeyRegResponseConfidential secret{ak.view(), chk_.view()};
  Bytes der;
  EXPECT_TRUE(protocol::Encode(secret, &der));
  const Bytes cipher = tamper.oaep ? Bytes(256, 0x5a) : *cam_public_->EncryptOaepSha256(der);
  const protocol::KeyRegResponseContent content{session_id_, cipher, cass_cert_};
  Bytes out;
  EXPECT_TRUE(protocol::Encode(content, &out));
  return SealSigned(MessageType::kKeyRegResponse, parsed.header.nonce, out, tamper.signature);
}

Bytes TestCass::RenewInfo(uint64_t nonce, uint8_t image_flag, bool purchase_report_req,
                          ByteView common_image, ByteView individual_image) {
  const std::string common_fn = "cacs/common.bin";
  const std::string individual_fn = "cacs/" + ToHex(session_id_) + ".bin";
  objects[common_fn] = crypto::AesCbcEncrypt(ccciek_.view(), ccciek_iv_.view(), common_image);
  objects[individual_fn] =
      crypto::AesCbcEncrypt(icciek_.view(), icciek_iv_.view(), individual_image);
  const crypto::Sha1Digest hc = crypto::Sha1(common_image);
  const crypto::Sha1Digest hi = crypto::Sha1(individual_image);
  const std::array<uint8_t, 20> zero{};
  protocol::RenewInfoContent info;
  info.session_id = session_id_;
  info.client_type = 0x01;
  info.image_flag = image_flag;
  if (image_flag != 0x02) {
    info.image_info[info.image_count++] = {kImageServer, 0x03, common_fn};
  }
  if (image_flag != 0x01) {
    info.image_info[info.image_count++] = {kImageServer, 0x03, individual_fn};
  }
  info.purchase_report_req = purchase_report_req;
  info.hashed_ccci = image_flag != 0x02 ? ByteView(hc) : ByteView(zero);
  info.hashed_icci = image_flag != 0x01 ? ByteView(hi) : ByteView(zero);
  Bytes der;
  EXPECT_TRUE(protocol::Encode(info, &der));
  return *protocol::SealToBytes(protocol::ProtectionOf(MessageType::kRenewInfo), nonce, der,
                                {nullptr, &*keys_});
}

Bytes TestCass::LogRequest(uint64_t nonce) {
  const protocol::LogRequestContent content{session_id_};
  Bytes der;
  EXPECT_TRUE(protocol::Encode(content, &der));
  return *protocol::SealToBytes(protocol::ProtectionOf(MessageType::kLogRequest), nonce, der,
                                {nullptr, &*keys_});
}

Bytes TestCass::KeyedStatus(uint8_t code, uint64_t nonce) {
  const protocol::StatusContent content{session_id_, code};
  Bytes der;
  EXPECT_TRUE(protocol::Encode(content, &der));
  return *protocol::SealToBytes(protocol::ProtectionOf(MessageType::kStatus), nonce, der,
                                {nullptr, &*keys_});
}

Bytes TestCass::SealRaw(MessageType type, uint64_t nonce, ByteView der) {
  return *protocol::SealToBytes(protocol::ProtectionOf(type), nonce, der, {nullptr, &*keys_});
}

Bytes TestCass::BadPadding(MessageType type, uint64_t nonce) {
  const bool zero = protocol::ProtectionOf(type).iv_base == protocol::IvBase::kZero;
  const protocol::SecretBlock ivb = zero ? protocol::SecretBlock() : *keys_->mek_iv();
  const protocol::MessageIv iv = protocol::DeriveMessageIv(*keys_->mek(), ivb, type, nonce);
  std::array<uint8_t, 16> block;
  block.fill(0x41);
  block[15] = 0x00;  // no valid PKCS#7 ending once the padding block is cut off
  Bytes cipher = crypto::AesCbcEncrypt(keys_->mek()->view(), iv.view(), block);
  cipher.resize(16);
  Bytes m(protocol::kHeaderLen);
  protocol::WriteHeader(protocol::MakeHeader(type, cipher.size(), nonce), m.data());
  Append(m, cipher);
  const crypto::Sha1Digest mac = crypto::HmacSha1(keys_->ik(), m);
  Append(m, mac);
  return m;
}

Bytes TestCass::UnkeyedStatus(uint8_t code, uint64_t nonce) {
  const protocol::StatusContent content{session_id_, code};
  Bytes der;
  EXPECT_TRUE(protocol::Encode(content, &der));
  return *protocol::SealToBytes(protocol::kUnkeyedStatus, nonce, der, {});
}

std::optional<protocol::OpenedMessage> TestCass::OpenFromCam(ByteView message, Bytes* plain) const {
  plain->resize(message.size());
  protocol::OpenedMessage opened;
  const protocol::Header h = HeaderOf(message);
  if (protocol::Open(protocol::ProtectionOf(h.type), message, {nullptr, &*keys_}, *plain,
                     &opened) != protocol::ProtectError::kOk) {
    return std::nullopt;
  }
  return opened;
}

}  // namespace rcas::testing
