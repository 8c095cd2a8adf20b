#include "crypto/x509_issue.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>

#include "crypto/ossl_ptr.h"
#include "crypto/random.h"

namespace rcas::crypto {
namespace {

constexpr int kKeyUsageBits = 8;  // digitalSignature (0) .. encipherOnly (7)

bool AddNameEntry(X509_NAME* name, int nid, int type, std::string_view value) {
  return value.empty() || X509_NAME_add_entry_by_NID(
                              name, nid, type, reinterpret_cast<const unsigned char*>(value.data()),
                              static_cast<int>(value.size()), -1, 0) == 1;
}

X509NamePtr SubjectName(const CertSpec& spec) {
  X509NamePtr name(X509_NAME_new());
  bool ok = name &&
            AddNameEntry(name.get(), NID_organizationName, MBSTRING_UTF8, spec.organization) &&
            AddNameEntry(name.get(), NID_commonName, MBSTRING_UTF8, spec.common_name) &&
            AddNameEntry(name.get(), NID_serialNumber, V_ASN1_PRINTABLESTRING, spec.serial_number);
  return ok ? std::move(name) : nullptr;
}

// RandomSerial is a positive 16-octet certificate serial (RFC 5280 §4.1.2.2: unique per issuer).
bool SetRandomSerial(X509* cert) {
  auto octets = RandomArray<16>();
  octets[0] = static_cast<uint8_t>((octets[0] & 0x7f) | 0x40);  // positive, full length
  BignumPtr bn(BN_bin2bn(octets.data(), static_cast<int>(octets.size()), nullptr));
  return bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr;
}

bool AddExtensions(X509* cert, const CertSpec& spec) {
  BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
  Asn1BitStringPtr ku(ASN1_BIT_STRING_new());
  if (!bc || !ku) {
    return false;
  }
  bc->ca = spec.ca ? 0xff : 0;  // cA FALSE is encoded by omission (DER DEFAULT)
  for (int bit = 0; bit < kKeyUsageBits; ++bit) {
    if ((spec.key_usage & (0x80u >> bit)) != 0 && ASN1_BIT_STRING_set_bit(ku.get(), bit, 1) != 1) {
      return false;
    }
  }
  return X509_add1_ext_i2d(cert, NID_basic_constraints, bc.get(), 1, X509V3_ADD_DEFAULT) == 1 &&
         (spec.key_usage == 0 ||
          X509_add1_ext_i2d(cert, NID_key_usage, ku.get(), 1, X509V3_ADD_DEFAULT) == 1);
}

// Build makes and signs one certificate; `issuer_name` null means self-signed.
Result<Bytes> Build(const X509_NAME* issuer_name, EVP_PKEY* signing_key, EVP_PKEY* subject_key,
                    const CertSpec& spec) {
  if (spec.validity.not_before > spec.validity.not_after) {
    return Error{"certificate validity ends before it starts"};
  }
  X509Ptr cert(X509_new());
  X509NamePtr subject = SubjectName(spec);
  bool ok = cert && subject && X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
            SetRandomSerial(cert.get()) && X509_set_subject_name(cert.get(), subject.get()) == 1 &&
            X509_set_issuer_name(cert.get(), issuer_name ? issuer_name : subject.get()) == 1 &&
            ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                          static_cast<time_t>(spec.validity.not_before)) != nullptr &&
            ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                          static_cast<time_t>(spec.validity.not_after)) != nullptr &&
            X509_set_pubkey(cert.get(), subject_key) == 1 && AddExtensions(cert.get(), spec) &&
            X509_sign(cert.get(), signing_key, EVP_sha256()) > 0;
  Bytes der = ok ? CertDer(cert.get()) : Bytes{};
  if (der.empty()) {
    ERR_clear_error();
    return Error{"certificate issuance failed"};
  }
  return der;
}

CertSpec LeafSpec(std::string_view kind, ByteView id, std::string_view organization,
                  uint32_t key_usage, Validity validity) {
  CertSpec spec;
  spec.organization = std::string(organization);
  spec.serial_number = UpperHex(id);
  spec.common_name = "RCAS " + std::string(kind) + " " + spec.serial_number;
  spec.key_usage = key_usage;
  spec.validity = validity;
  return spec;
}

}  // namespace

std::string UpperHex(ByteView id) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(2 * id.size());
  for (uint8_t b : id) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

CertSpec CamCertSpec(const CamId& cam_id, std::string_view organization, Validity validity) {
  return LeafSpec("CAM", cam_id, organization, kKeyUsageDigitalSignature | kKeyUsageKeyEncipherment,
                  validity);
}

CertSpec CassCertSpec(const CassId& cass_id, std::string_view organization, Validity validity) {
  return LeafSpec("CASS", cass_id, organization, kKeyUsageDigitalSignature, validity);
}

CertSpec RootCertSpec(std::string_view organization, std::string_view common_name,
                      Validity validity) {
  CertSpec spec;
  spec.organization = std::string(organization);
  spec.common_name = std::string(common_name);
  spec.key_usage = kKeyUsageKeyCertSign | kKeyUsageDigitalSignature;
  spec.ca = true;
  spec.validity = validity;
  return spec;
}

Result<Bytes> IssueRootCertificate(const RsaPrivateKey& key, const CertSpec& spec) {
  return Build(nullptr, key.get(), key.get(), spec);
}

Result<CertIssuer> CertIssuer::Create(TrustAnchor root, RsaPrivateKey key) {
  if (EVP_PKEY_eq(root.public_key().get(), key.get()) != 1) {
    ERR_clear_error();
    return Error{"the AC root key does not match the AC root certificate"};
  }
  return CertIssuer(std::move(root), std::move(key));
}

Result<Bytes> CertIssuer::Issue(const RsaPublicKey& subject_key, const CertSpec& spec) const {
  return Build(X509_get_subject_name(root_.get()), key_.get(), subject_key.get(), spec);
}

}  // namespace rcas::crypto
