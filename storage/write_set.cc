// WriteSet: changes collected for one atomic AcStore::Commit. Values are encoded here, so a
// change that cannot be encoded is known before anything is written.
#include <openssl/crypto.h>

#include "storage/ac_store.h"
#include "storage/store_impl.h"

namespace rcas::storage {
namespace {

template <size_t N>
std::string KeyString(const std::array<uint8_t, N>& key) {
  return std::string(reinterpret_cast<const char*>(key.data()), N);
}

// Sealed moves an encoded value into wiped storage and clears the temporary.
crypto::SecretBytes Sealed(Bytes& encoded) {
  crypto::SecretBytes out(encoded);
  OPENSSL_cleanse(encoded.data(), encoded.size());
  return out;
}

}  // namespace

WriteSet::WriteSet() : impl_(std::make_unique<Impl>()) {}
WriteSet::~WriteSet() = default;
WriteSet::WriteSet(WriteSet&&) noexcept = default;
WriteSet& WriteSet::operator=(WriteSet&&) noexcept = default;

void WriteSet::PutState(const crypto::CamId& cam, const CamState& s) {
  Impl& w = *impl_;
  Bytes v;
  EncodeCamState(s, v);
  w.ops.push_back({kCamStateCf, false, KeyString(cam), Sealed(v)});
}

void WriteSet::PutIdentity(const crypto::CamId& cam, const CamIdentity& id) {
  Impl& w = *impl_;
  if (id.certificate_der.size() > kMaxCertificateLen) {
    if (w.error.empty()) {
      w.error = "identity of CAM " + ToHex(cam) + ": certificate of " +
                std::to_string(id.certificate_der.size()) + " octets, the limit is " +
                std::to_string(kMaxCertificateLen);
    }
    return;
  }
  Bytes v;
  EncodeCamIdentity(id, v);
  w.ops.push_back({kCamIdentityCf, false, KeyString(cam), Sealed(v)});
}

void WriteSet::PutPairing(const KeyPairingId& kpid, const Pairing& p) {
  Impl& w = *impl_;
  const size_t want = p.has_kpk ? kSignKpkLen : 0;
  if (p.sign_kpk.size() != want) {
    if (w.error.empty()) {
      w.error = "pairing " + ToHex(kpid) + ": sIGN-kpk of " + std::to_string(p.sign_kpk.size()) +
                " octets, must be " + std::to_string(want);
    }
    return;
  }
  Bytes v;
  EncodePairing(p, v);
  w.ops.push_back({kKpkCf, false, KeyString(kpid), Sealed(v)});
}

void WriteSet::DeletePairing(const KeyPairingId& kpid) {
  Impl& w = *impl_;
  w.ops.push_back({kKpkCf, true, KeyString(kpid), {}});
}

void WriteSet::PutCass(const crypto::CassId& cass) {
  Impl& w = *impl_;
  w.ops.push_back({kCassCf, false, KeyString(cass), {}});
}

void WriteSet::DeleteCass(const crypto::CassId& cass) {
  Impl& w = *impl_;
  w.ops.push_back({kCassCf, true, KeyString(cass), {}});
}

void WriteSet::PutCounter(std::string_view name, uint64_t value) {
  Impl& w = *impl_;
  if (name.empty() || name == kSchemaVersionKey || name == kReportSeqKey) {
    if (w.error.empty()) {
      w.error = "counter name \"" + std::string(name) + "\" is reserved";
    }
    return;
  }
  const std::string v = Be64String(value);
  w.ops.push_back({kMetaCf, false, std::string(name), crypto::SecretBytes(AsView(v))});
}

void WriteSet::AppendReport(const crypto::CamId& cam, const Report& r) {
  Impl& w = *impl_;
  w.reports.push_back({cam, r.unix_ms, EncodeReport(r)});
}

size_t WriteSet::count() const {
  return impl_ == nullptr ? 0 : impl_->ops.size() + impl_->reports.size();
}

void WriteSet::Clear() {
  if (impl_ != nullptr) {
    impl_->ops.clear();
    impl_->reports.clear();
    impl_->error.clear();
  }
}

}  // namespace rcas::storage
