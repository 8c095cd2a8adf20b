#include "storage/cam_record.h"

#include <algorithm>
#include <string_view>

namespace rcas::storage {
namespace {

// One format octet per record type; a later layout gets a new value (docs/ac-store.md).
constexpr uint8_t kCamStateFormat = 1;
constexpr uint8_t kCamIdentityFormat = 1;
constexpr uint8_t kPairingFormat = 1;

// CamState flags octet: the two "set" markers and the C1 pending mark, every other bit zero.
constexpr uint8_t kVersionsSetBit = 0x01;
constexpr uint8_t kImageSetBit = 0x02;
constexpr uint8_t kC1PendingBit = 0x04;
constexpr uint8_t kCamStateFlags = kVersionsSetBit | kImageSetBit | kC1PendingBit;

constexpr size_t kKeyLen = 16;
constexpr size_t kIdentityFixedLen = 1 + crypto::kDscIdLen + kKiOpcPairs * 2 * kKeyLen + 2;
constexpr size_t kPairingBareLen = 2;
constexpr size_t kPairingKpkLen = kPairingBareLen + kNormalKpkLen + kSignKpkLen;

// Writer appends fixed fields at a cursor into a buffer sized up front.
class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  void U8(uint8_t v) { out_[pos_++] = v; }
  void Be32(uint32_t v) {
    StoreBe32(&out_[pos_], v);
    pos_ += 4;
  }
  void Be64(uint64_t v) {
    StoreBe64(&out_[pos_], v);
    pos_ += 8;
  }
  void Raw(ByteView v) {
    std::copy(v.begin(), v.end(), out_.begin() + static_cast<ptrdiff_t>(pos_));
    pos_ += v.size();
  }

 private:
  Bytes& out_;
  size_t pos_ = 0;
};

// Reader takes fixed fields off a value whose total length the caller has checked.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  uint8_t U8() { return in_[pos_++]; }
  uint32_t Be32() {
    pos_ += 4;
    return LoadBe32(&in_[pos_ - 4]);
  }
  uint64_t Be64() {
    pos_ += 8;
    return LoadBe64(&in_[pos_ - 8]);
  }
  ByteView Raw(size_t n) {
    pos_ += n;
    return in_.subspan(pos_ - n, n);
  }

 private:
  ByteView in_;
  size_t pos_ = 0;
};

}  // namespace

KeyPairingId MakeKeyPairingId(const crypto::CamId& cam_id, const DscId& dsc_id) {
  // PROFILE §2.2: KeyPairingID = CAM_ID ‖ DSC_ID.
  KeyPairingId id{};
  std::copy(cam_id.begin(), cam_id.end(), id.begin());
  std::copy(dsc_id.begin(), dsc_id.end(), id.begin() + crypto::kCamIdLen);
  return id;
}

const char* CamStateName(CamStateKind s) {
  switch (s) {
    case CamStateKind::kVirgin:
      return "virgin";
    case CamStateKind::kAuthService:
      return "service";
    case CamStateKind::kAuthNotService:
      return "not-service";
  }
  return "unknown";
}

std::optional<CamStateKind> ParseCamStateName(std::string_view name) {
  for (CamStateKind s :
       {CamStateKind::kVirgin, CamStateKind::kAuthService, CamStateKind::kAuthNotService}) {
    if (name == CamStateName(s)) {
      return s;
    }
  }
  return std::nullopt;
}

void EncodeCamState(const CamState& s, Bytes& out) {
  out.assign(kCamStateValueLen, 0);
  Writer w(out);
  w.U8(kCamStateFormat);
  w.U8(static_cast<uint8_t>(s.state));
  w.U8(static_cast<uint8_t>((s.versions_set ? kVersionsSetBit : 0) |
                            (s.image_set ? kImageSetBit : 0) | (s.c1_pending ? kC1PendingBit : 0)));
  w.Raw(s.hw);
  w.Raw(s.sw);
  w.Be64(s.cas_image_version);
  w.Raw(s.cass_id);
  w.Be32(s.auth_count);
  w.Be64(s.updated_unix_ms);
}

bool DecodeCamState(ByteView value, CamState& out) {
  if (value.size() != kCamStateValueLen) {
    return false;
  }
  Reader r(value);
  CamState s;
  const uint8_t format = r.U8();
  const uint8_t state = r.U8();
  const uint8_t flags = r.U8();
  if (format != kCamStateFormat || state > static_cast<uint8_t>(CamStateKind::kAuthNotService) ||
      (flags & ~kCamStateFlags) != 0) {
    return false;
  }
  s.state = static_cast<CamStateKind>(state);
  s.versions_set = (flags & kVersionsSetBit) != 0;
  s.image_set = (flags & kImageSetBit) != 0;
  s.c1_pending = (flags & kC1PendingBit) != 0;
  CopyTo(s.hw, r.Raw(kVersionLen));
  CopyTo(s.sw, r.Raw(kVersionLen));
  s.cas_image_version = r.Be64();
  CopyTo(s.cass_id, r.Raw(crypto::kCassIdLen));
  s.auth_count = r.Be32();
  s.updated_unix_ms = r.Be64();
  out = s;
  return true;
}

void EncodeCamIdentity(const CamIdentity& id, Bytes& out) {
  // The length field is 16 bits; a longer certificate is the caller's bug (the store checks
  // kMaxCertificateLen before encoding), so it is cut to what the field can say.
  const size_t cert_len = std::min<size_t>(id.certificate_der.size(), 0xffff);
  out.assign(kIdentityFixedLen + cert_len, 0);
  Writer w(out);
  w.U8(kCamIdentityFormat);
  w.Raw(id.dsc_id);
  for (const KiOpc& k : id.keys) {
    w.Raw(k.ki.view());
    w.Raw(k.opc.view());
  }
  uint8_t len[2];
  StoreBe16(len, static_cast<uint16_t>(cert_len));
  w.Raw(len);
  w.Raw(ByteView(id.certificate_der).first(cert_len));
}

bool DecodeCamIdentity(ByteView value, CamIdentity& out) {
  if (value.size() < kIdentityFixedLen || value[0] != kCamIdentityFormat) {
    return false;
  }
  const size_t cert_len = LoadBe16(&value[kIdentityFixedLen - 2]);
  if (cert_len > kMaxCertificateLen || value.size() != kIdentityFixedLen + cert_len) {
    return false;
  }
  Reader r(value);
  r.U8();
  CopyTo(out.dsc_id, r.Raw(crypto::kDscIdLen));
  for (KiOpc& k : out.keys) {
    k.ki = crypto::SecretArray<kKeyLen>(r.Raw(kKeyLen));
    k.opc = crypto::SecretArray<kKeyLen>(r.Raw(kKeyLen));
  }
  r.Raw(2);
  const ByteView cert = r.Raw(cert_len);
  out.certificate_der.assign(cert.begin(), cert.end());
  return true;
}

void EncodePairing(const Pairing& p, Bytes& out) {
  if (!p.has_kpk) {
    out.assign({kPairingFormat, 0});
    return;
  }
  // sign_kpk is exactly kSignKpkLen by contract (the store checks before encoding); a short
  // one is zero-filled rather than read past.
  out.assign(kPairingKpkLen, 0);
  Writer w(out);
  w.U8(kPairingFormat);
  w.U8(1);
  w.Raw(p.kpk.view());
  w.Raw(ByteView(p.sign_kpk).first(std::min(p.sign_kpk.size(), kSignKpkLen)));
}

bool DecodePairing(ByteView value, Pairing& out) {
  if (value.size() < kPairingBareLen || value[0] != kPairingFormat || value[1] > 1) {
    return false;
  }
  const bool has_kpk = value[1] == 1;
  if (value.size() != (has_kpk ? kPairingKpkLen : kPairingBareLen)) {
    return false;
  }
  out.has_kpk = has_kpk;
  out.kpk = crypto::SecretArray<kNormalKpkLen>();
  out.sign_kpk.clear();
  if (has_kpk) {
    out.kpk = crypto::SecretArray<kNormalKpkLen>(value.subspan(kPairingBareLen, kNormalKpkLen));
    const ByteView sig = value.subspan(kPairingBareLen + kNormalKpkLen);
    out.sign_kpk.assign(sig.begin(), sig.end());
  }
  return true;
}

}  // namespace rcas::storage
