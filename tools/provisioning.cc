#include "tools/provisioning.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "crypto/hash.h"

namespace rcas::tools {
namespace {

constexpr size_t kIdsLen = crypto::kCamIdLen + crypto::kDscIdLen;
constexpr size_t kFixedLen = kIdsLen + kKiOpcPairs * 32;
constexpr size_t kEndLen = 4 + 8 + crypto::kSha256Len;  // zero length, count, SHA-256
constexpr size_t kIoBuffer = 1 << 20;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

DigestCtxPtr NewSha256() {
  DigestCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    ctx.reset();
  }
  return ctx;
}

crypto::Sha256Digest Final(EVP_MD_CTX* ctx) {
  crypto::Sha256Digest out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  return out;
}

void PutU16(Bytes& out, size_t v) {
  uint8_t b[2];
  StoreBe16(b, static_cast<uint16_t>(v));
  Append(out, b);
}

// Cursor reads a record body front to back; any overrun makes ok() false.
class Cursor {
 public:
  explicit Cursor(ByteView in) : in_(in) {}
  ByteView Take(size_t n) {
    if (n > in_.size()) {
      ok_ = false;
      return {};
    }
    ByteView out = in_.first(n);
    in_ = in_.subspan(n);
    return out;
  }
  ByteView TakeU16Prefixed() {
    ByteView len = Take(2);
    return ok_ ? Take(LoadBe16(len.data())) : ByteView{};
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }

 private:
  ByteView in_;
  bool ok_ = true;
};

}  // namespace

std::array<uint8_t, crypto::kKeyPairingIdLen> CamRecord::KeyPairingId() const {
  std::array<uint8_t, crypto::kKeyPairingIdLen> out{};
  std::copy(dsc_id.begin(), dsc_id.end(), std::copy(cam_id.begin(), cam_id.end(), out.begin()));
  return out;
}

Status EncodeRecord(const CamRecord& record, ProvisioningKind kind, Bytes& out) {
  const bool with_key = kind == ProvisioningKind::kCam;
  if (record.certificate_der.empty() || record.certificate_der.size() > 0xffff) {
    return Error{"certificate missing or longer than 65535 octets"};
  }
  if (with_key && (record.key_file.empty() || record.key_file.size() > 0xffff)) {
    return Error{"key file name missing or too long"};
  }
  Append(out, record.cam_id);
  Append(out, record.dsc_id);
  for (const KiOpc& pair : record.keys) {
    Append(out, pair.ki.view());
    Append(out, pair.opc.view());
  }
  PutU16(out, record.certificate_der.size());
  Append(out, record.certificate_der);
  if (with_key) {
    PutU16(out, record.key_file.size());
    Append(out, AsView(record.key_file));
  }
  return OkStatus();
}

bool DecodeRecord(ByteView body, ProvisioningKind kind, CamRecord& out) {
  Cursor c(body);
  ByteView fixed = c.Take(kFixedLen);
  ByteView cert = c.TakeU16Prefixed();
  ByteView key_file = kind == ProvisioningKind::kCam ? c.TakeU16Prefixed() : ByteView{};
  if (!c.done() || cert.empty() || (kind == ProvisioningKind::kCam && key_file.empty())) {
    return false;
  }
  std::copy_n(fixed.begin(), crypto::kCamIdLen, out.cam_id.begin());
  std::copy_n(fixed.begin() + crypto::kCamIdLen, crypto::kDscIdLen, out.dsc_id.begin());
  for (size_t j = 0; j < kKiOpcPairs; ++j) {
    ByteView pair = fixed.subspan(kIdsLen + 32 * j, 32);
    out.keys[j].ki = crypto::SecretArray<16>(pair.first(16));
    out.keys[j].opc = crypto::SecretArray<16>(pair.subspan(16));
  }
  out.certificate_der.assign(cert.begin(), cert.end());
  out.key_file.assign(key_file.begin(), key_file.end());
  return true;
}

Result<ProvisioningWriter> ProvisioningWriter::Create(const std::string& path,
                                                      ProvisioningKind kind) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error{Errno(path)};
  }
  FilePtr file(::fdopen(fd, "wb"), std::fclose);
  if (!file) {
    ::close(fd);
    return Error{Errno(path)};
  }
  std::setvbuf(file.get(), nullptr, _IOFBF, kIoBuffer);
  DigestCtxPtr digest = NewSha256();
  if (!digest) {
    return Error{"SHA-256 context"};
  }
  ProvisioningWriter w(std::move(file), std::move(digest), kind);
  w.scratch_.reserve(kMaxRecordLen + 4);
  uint8_t header[kProvisioningHeaderLen] = {};
  std::memcpy(header, kProvisioningMagic, sizeof(kProvisioningMagic));
  StoreBe16(header + 8, kProvisioningVersion);
  header[10] = static_cast<uint8_t>(kind);
  Status s = w.Put(header);
  if (!s) {
    return Error{path + ": " + s.error()};
  }
  return w;
}

Status ProvisioningWriter::Put(ByteView data) {
  if (std::fwrite(data.data(), 1, data.size(), file_.get()) != data.size()) {
    return Error{Errno("write")};
  }
  EVP_DigestUpdate(digest_.get(), data.data(), data.size());
  return OkStatus();
}

Status ProvisioningWriter::Append(const CamRecord& record) {
  if (!file_) {
    return Error{"provisioning file already finished"};
  }
  scratch_.assign(4, 0);
  Status s = EncodeRecord(record, kind_, scratch_);
  if (s) {
    StoreBe32(scratch_.data(), static_cast<uint32_t>(scratch_.size() - 4));
    s = Put(scratch_);
  }
  OPENSSL_cleanse(scratch_.data(), scratch_.size());  // Ki/OPc
  if (s) {
    ++count_;
  }
  return s;
}

Status ProvisioningWriter::Finish() {
  if (!file_) {
    return Error{"provisioning file already finished"};
  }
  uint8_t end[kEndLen] = {};
  StoreBe64(end + 4, count_);
  crypto::Sha256Digest digest = Final(digest_.get());
  std::copy(digest.begin(), digest.end(), end + 12);
  bool ok = std::fwrite(end, 1, kEndLen, file_.get()) == kEndLen && std::fflush(file_.get()) == 0 &&
            ::fsync(::fileno(file_.get())) == 0;
  ok = (std::fclose(file_.release()) == 0) && ok;
  return ok ? OkStatus() : Status(Error{Errno("write")});
}

Result<ProvisioningReader> ProvisioningReader::Open(const std::string& path) {
  FilePtr file(std::fopen(path.c_str(), "rbe"), std::fclose);
  if (!file) {
    return Error{Errno(path)};
  }
  std::setvbuf(file.get(), nullptr, _IOFBF, kIoBuffer);
  DigestCtxPtr digest = NewSha256();
  if (!digest) {
    return Error{"SHA-256 context"};
  }
  ProvisioningReader r(std::move(file), std::move(digest), ProvisioningKind::kAc);
  uint8_t header[kProvisioningHeaderLen];
  if (!r.Get(header) || std::memcmp(header, kProvisioningMagic, sizeof(kProvisioningMagic)) != 0) {
    return Error{path + ": not an RCAS provisioning file"};
  }
  if (LoadBe16(header + 8) != kProvisioningVersion) {
    return Error{path + ": unsupported provisioning file version " +
                 std::to_string(LoadBe16(header + 8))};
  }
  if ((header[10] != 1 && header[10] != 2) ||
      std::any_of(header + 11, header + kProvisioningHeaderLen, [](uint8_t b) { return b; })) {
    return Error{path + ": bad provisioning file header"};
  }
  r.kind_ = static_cast<ProvisioningKind>(header[10]);
  r.scratch_ = crypto::SecretBytes(kMaxRecordLen);  // sized once: never reallocated
  return r;
}

bool ProvisioningReader::Get(MutableByteView out, bool hash) {
  if (std::fread(out.data(), 1, out.size(), file_.get()) != out.size()) {
    return false;
  }
  if (hash) {
    EVP_DigestUpdate(digest_.get(), out.data(), out.size());
  }
  return true;
}

Result<bool> ProvisioningReader::Next(CamRecord& out) {
  if (done_) {
    return false;
  }
  uint8_t len_octets[4];
  if (!Get(len_octets, false)) {
    return Error{"provisioning file truncated (no end record)"};
  }
  const uint32_t len = LoadBe32(len_octets);
  if (len == 0) {
    return CheckEnd();
  }
  if (len > kMaxRecordLen) {
    return Error{"provisioning record " + std::to_string(count_) + " too long"};
  }
  EVP_DigestUpdate(digest_.get(), len_octets, sizeof(len_octets));
  MutableByteView body = scratch_.mutable_view().first(len);
  if (!Get(body)) {
    return Error{"provisioning file truncated in record " + std::to_string(count_)};
  }
  if (!DecodeRecord(body, kind_, out)) {
    return Error{"provisioning record " + std::to_string(count_) + " is malformed"};
  }
  ++count_;
  return true;
}

Result<bool> ProvisioningReader::CheckEnd() {
  uint8_t end[kEndLen - 4];
  if (!Get(end, false)) {
    return Error{"provisioning file truncated in the end record"};
  }
  crypto::Sha256Digest digest = Final(digest_.get());
  if (LoadBe64(end) != count_) {
    return Error{"provisioning file record count mismatch"};
  }
  if (!crypto::ConstantTimeEqual(digest, ByteView(end + 8, crypto::kSha256Len))) {
    return Error{"provisioning file SHA-256 mismatch (corrupt)"};
  }
  if (std::fgetc(file_.get()) != EOF) {
    return Error{"data after the provisioning end record"};
  }
  done_ = true;
  return false;
}

}  // namespace rcas::tools
