// The fast leaf check (cert_leaf.h). OpenSSL 3 spends most of a certificate check building
// the subject key through its provider decoders inside d2i_X509 (docs/x509.md); this walk reads
// the certificate as the AC issues it (PROFILE §10.1-§10.3) with strict DER, verifies the root's
// signature over the exact TBS octets first (§10.4, §23 item 7) and only then interprets the
// TBS. Whatever it does not understand completely goes to the reference, so both give one
// verdict: the walk accepts a subset of what d2i_X509 accepts and reads it the same way.

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <bit>

#include "crypto/cert_der.h"
#include "crypto/cert_leaf.h"
#include "crypto/cert_time.h"
#include "crypto/ossl_ptr.h"

namespace rcas::crypto {
namespace {

// sha256WithRSAEncryption and rsaEncryption, both with NULL parameters (RFC 4055 §5, RFC 3279).
constexpr uint8_t kSha256WithRsa[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                      0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
constexpr uint8_t kRsaEncryption[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                      0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
constexpr uint8_t kVersion3[] = {0x02, 0x01, 0x02};
constexpr uint8_t kBasicConstraints[] = {0x55, 0x1d, 0x13};
constexpr uint8_t kKeyUsage[] = {0x55, 0x1d, 0x0f};
constexpr uint8_t kAttributeArc[] = {0x55, 0x04};  // id-at (2.5.4), one-octet last arc
constexpr uint8_t kSerialNumberAttribute = 0x05;
constexpr size_t kKeyUsageOctets = 2;  // OpenSSL's X509_get_key_usage reads two

// Leaf is what the walk read; the views point into the certificate.
struct Leaf {
  ByteView tbs;  // the signed octets
  ByteView signature;
  int64_t not_before = 0;
  int64_t not_after = 0;
  int serial_numbers = 0;  // subject serialNumber attributes seen
  uint8_t serial_number_tag = 0;
  ByteView serial_number;
  ByteView modulus;
  ByteView exponent;
  bool ca = false;
  bool has_key_usage = false;
  uint32_t key_usage = 0;
};

bool Equal(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

bool ReadExactly(DerCursor& in, ByteView expected) {
  ByteView contents;
  ByteView element;
  return in.Read(expected[0], &contents, &element) && Equal(element, expected);
}

bool IsPlainAscii(uint8_t c) { return c >= 0x20 && c <= 0x7e; }

// ReadSubject reads a Name of single-attribute RDNs with id-at types and printable ASCII
// PrintableString or UTF8String values, the shapes whose OpenSSL decoding cannot fail.
bool ReadSubject(DerCursor& tbs, Leaf* leaf) {
  ByteView name;
  if (!tbs.Read(kDerSequence, &name)) {
    return false;
  }
  DerCursor rdns(name);
  while (!rdns.empty()) {
    ByteView rdn;
    ByteView attribute;
    ByteView type;
    ByteView value;
    if (!rdns.Read(kDerSet, &rdn) || !ReadSole(rdn, kDerSequence, &attribute)) {
      return false;
    }
    DerCursor a(attribute);
    const uint8_t tag = [&] { return a.Read(kDerOid, &type) ? a.PeekTag() : uint8_t{0}; }();
    if ((tag != kDerPrintableString && tag != kDerUtf8String) || !a.Read(tag, &value) ||
        !a.empty() || type.size() != 3 || !Equal(type.first(2), kAttributeArc) || type[2] >= 0x80 ||
        !std::all_of(value.begin(), value.end(), IsPlainAscii)) {
      return false;
    }
    if (type[2] == kSerialNumberAttribute) {
      ++leaf->serial_numbers;
      leaf->serial_number_tag = tag;
      leaf->serial_number = value;
    }
  }
  return true;
}

// ReadRsaSpki reads an rsaEncryption SubjectPublicKeyInfo holding RSAPublicKey {n, e}.
bool ReadRsaSpki(DerCursor& tbs, Leaf* leaf) {
  ByteView spki;
  ByteView bits;
  ByteView key;
  if (!tbs.Read(kDerSequence, &spki)) {
    return false;
  }
  DerCursor s(spki);
  if (!ReadExactly(s, kRsaEncryption) || !s.Read(kDerBitString, &bits) || !s.empty() ||
      bits.empty() || bits[0] != 0) {
    return false;
  }
  if (!ReadSole(bits.subspan(1), kDerSequence, &key)) {
    return false;
  }
  DerCursor rsa(key);
  return ReadPositiveInteger(rsa, &leaf->modulus) && ReadPositiveInteger(rsa, &leaf->exponent) &&
         rsa.empty();
}

// ReadBasicConstraints reads {} or {cA TRUE}; a pathLenConstraint is left to the reference.
bool ReadBasicConstraints(DerCursor& value, bool* ca) {
  ByteView seq;
  ByteView flag;
  if (!value.Read(kDerSequence, &seq)) {
    return false;
  }
  DerCursor c(seq);
  *ca = !c.empty();
  return c.empty() ||
         (c.Read(kDerBoolean, &flag) && flag.size() == 1 && flag[0] == 0xff && c.empty());
}

// ReadExtensions reads [3] {basicConstraints, keyUsage}, each at most once, critical or not
// (OpenSSL supports both, so neither sets its unknown-critical flag).
bool ReadExtensions(DerCursor& tbs, Leaf* leaf) {
  ByteView wrapper;
  ByteView list;
  if (!tbs.Read(kDerExplicit3, &wrapper) || !ReadSole(wrapper, kDerSequence, &list) ||
      list.empty()) {
    return false;
  }
  DerCursor extensions(list);
  bool seen_basic_constraints = false;
  while (!extensions.empty()) {
    ByteView extension;
    ByteView oid;
    ByteView critical;
    ByteView value;
    if (!extensions.Read(kDerSequence, &extension)) {
      return false;
    }
    DerCursor e(extension);
    if (!e.Read(kDerOid, &oid) ||
        (e.PeekTag() == kDerBoolean &&
         !(e.Read(kDerBoolean, &critical) && critical.size() == 1 && critical[0] == 0xff)) ||
        !e.Read(kDerOctetString, &value) || !e.empty()) {
      return false;
    }
    DerCursor v(value);
    if (Equal(oid, kBasicConstraints) && !seen_basic_constraints) {
      seen_basic_constraints = true;
      if (!ReadBasicConstraints(v, &leaf->ca)) {
        return false;
      }
    } else if (Equal(oid, kKeyUsage) && !leaf->has_key_usage) {
      leaf->has_key_usage = true;
      if (!ReadNamedBits(v, kKeyUsageOctets, &leaf->key_usage)) {
        return false;
      }
    } else {
      return false;  // another or a repeated extension
    }
    if (!v.empty()) {
      return false;
    }
  }
  return true;
}

// ReadTbs reads TBSCertificate (RFC 5280 §4.1) of a v3 certificate issued by `issuer`.
bool ReadTbs(ByteView tbs_contents, ByteView issuer, Leaf* leaf) {
  DerCursor tbs(tbs_contents);
  ByteView version;
  ByteView serial;
  ByteView validity;
  ByteView issuer_contents;
  ByteView issuer_element;
  if (!tbs.Read(kDerExplicit0, &version) || !Equal(version, kVersion3) ||
      !ReadMinimalInteger(tbs, &serial) || !ReadExactly(tbs, kSha256WithRsa) ||
      !tbs.Read(kDerSequence, &issuer_contents, &issuer_element) ||
      !Equal(issuer_element, issuer) || !tbs.Read(kDerSequence, &validity)) {
    return false;
  }
  DerCursor times(validity);
  return ReadCertTime(times, &leaf->not_before) && ReadCertTime(times, &leaf->not_after) &&
         times.empty() && ReadSubject(tbs, leaf) && ReadRsaSpki(tbs, leaf) &&
         ReadExtensions(tbs, leaf) && tbs.empty();
}

// ReadLeaf reads Certificate {tbsCertificate, signatureAlgorithm, signatureValue}.
bool ReadLeaf(ByteView der, ByteView issuer, Leaf* leaf) {
  ByteView cert;
  ByteView tbs_contents;
  ByteView signature;
  if (!ReadSole(der, kDerSequence, &cert)) {
    return false;
  }
  DerCursor c(cert);
  if (!c.Read(kDerSequence, &tbs_contents, &leaf->tbs) || !ReadExactly(c, kSha256WithRsa) ||
      !c.Read(kDerBitString, &signature) || !c.empty() || signature.empty() || signature[0] != 0) {
    return false;
  }
  leaf->signature = signature.subspan(1);
  return ReadTbs(tbs_contents, issuer, leaf);
}

size_t BitLength(ByteView magnitude) {
  return 8 * (magnitude.size() - 1) + static_cast<size_t>(std::bit_width(magnitude[0]));
}

// NativeBignum writes a big-endian magnitude in the native byte order OSSL_PARAM BIGNUMs use.
void NativeBignum(ByteView magnitude, MutableByteView out) {
  std::copy(magnitude.begin(), magnitude.end(), out.begin());
  if constexpr (std::endian::native == std::endian::little) {
    std::reverse(out.begin(), out.begin() + static_cast<ptrdiff_t>(magnitude.size()));
  }
}

// RsaKey builds the subject key from (n, e) with EVP_PKEY_fromdata, skipping the decoders.
std::optional<RsaPublicKey> RsaKey(ByteView modulus, ByteView exponent) {
  std::array<uint8_t, kRsaLen> n{};
  std::array<uint8_t, kRsaLen> e{};
  if (modulus.size() > n.size() || exponent.size() > e.size()) {
    return std::nullopt;
  }
  NativeBignum(modulus, n);
  NativeBignum(exponent, e);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, n.data(), modulus.size()),
      OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, e.data(), exponent.size()),
      OSSL_PARAM_construct_end(),
  };
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  EvpPkeyPtr key(raw);
  auto adopted = RsaPublicKey::Adopt(key.get());
  return adopted ? std::optional<RsaPublicKey>(std::move(*adopted)) : std::nullopt;
}

bool IsUpperHex(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

LeafOutcome Verdict(CertCheck reason) { return LeafOutcome{reason, std::nullopt}; }

}  // namespace

std::optional<LeafOutcome> CheckLeafFast(const TrustAnchor& root, ByteView der,
                                         const LeafRules& rules, MutableByteView id) {
  Leaf leaf;
  if (!ReadLeaf(der, root.subject_der(), &leaf)) {
    return std::nullopt;
  }
  // The reference's order from here on (cert_reference.cc); the walk already stands for
  // "parses, extensions valid, sha256WithRSAEncryption, issuer is the root".
  if (!root.public_key().VerifyPkcs1Sha256(leaf.tbs, leaf.signature)) {
    return Verdict(CertCheck::kBadSignature);
  }
  if (rules.now && !IsCertTimeInRange(*rules.now)) {
    return std::nullopt;  // a `now` OpenSSL may not convert
  }
  if (rules.now && (*rules.now < leaf.not_before || *rules.now > leaf.not_after)) {
    return Verdict(CertCheck::kValidity);
  }
  if (leaf.ca) {
    return Verdict(CertCheck::kCaLeaf);
  }
  const uint32_t ku = leaf.key_usage;
  if (!leaf.has_key_usage || (ku & rules.required_key_usage) != rules.required_key_usage ||
      (ku & (kKeyUsageKeyCertSign | kKeyUsageCrlSign)) != 0) {
    return Verdict(CertCheck::kKeyUsage);
  }
  if (BitLength(leaf.modulus) != kProfileRsaBits) {
    return std::nullopt;  // not a profile key: the reference says kSubjectKey
  }
  std::optional<RsaPublicKey> key = RsaKey(leaf.modulus, leaf.exponent);
  if (!key) {
    return std::nullopt;
  }
  const ByteView text = leaf.serial_number;
  if (leaf.serial_numbers != 1 || leaf.serial_number_tag != kDerPrintableString ||
      text.size() != 2 * id.size() || !std::all_of(text.begin(), text.end(), IsUpperHex)) {
    return Verdict(CertCheck::kSerialNumberFormat);
  }
  auto decoded = FromHex({reinterpret_cast<const char*>(text.data()), text.size()});
  std::copy(decoded->begin(), decoded->end(), id.begin());
  return LeafOutcome{CertCheck::kOk, std::move(key)};
}

}  // namespace rcas::crypto
