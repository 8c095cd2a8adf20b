#include "crypto/rsa_batch.h"

#include <openssl/crypto.h>

#include <array>
#include <cstring>

#include "crypto/hash.h"

namespace rcas::crypto {
namespace {

constexpr size_t kMaxModulus = 384;  // RSA-3072
constexpr std::array<int, 3> kKernelBits = {1024, 2048, 3072};

// DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1).
constexpr std::array<uint8_t, 19> kSha256DigestInfo = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                       0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                       0x01, 0x05, 0x00, 0x04, 0x20};

// EncodePkcs1Sha256 is EMSA-PKCS1-v1_5 (RFC 8017 §9.2): 00 01 FF..FF 00 DigestInfo H.
void EncodePkcs1Sha256(ByteView msg, MutableByteView em) {
  const Sha256Digest h = Sha256(msg);
  const size_t t_len = kSha256DigestInfo.size() + h.size();
  std::memset(em.data(), 0xff, em.size());
  em[0] = 0x00;
  em[1] = 0x01;
  em[em.size() - t_len - 1] = 0x00;
  std::memcpy(em.data() + em.size() - t_len, kSha256DigestInfo.data(), kSha256DigestInfo.size());
  std::memcpy(em.data() + em.size() - h.size(), h.data(), h.size());
}

// Mgf1XorSha256 xors MGF1-SHA-256(seed) into out (RFC 8017 §B.2.1).
void Mgf1XorSha256(ByteView seed, MutableByteView out) {
  for (uint32_t counter = 0; counter * kSha256Len < out.size(); ++counter) {
    uint8_t c[4];
    StoreBe32(c, counter);
    Sha256Digest block = Sha256({seed, ByteView(c, 4)});
    for (size_t i = 0; i < kSha256Len && counter * kSha256Len + i < out.size(); ++i) {
      out[counter * kSha256Len + i] ^= block[i];
    }
    OPENSSL_cleanse(block.data(), block.size());
  }
}

// Constant-time masks: all ones when the condition holds, else zero.
uint32_t MaskIsZero(uint32_t x) { return 0u - (((x | (0u - x)) >> 31) ^ 1u); }
uint32_t MaskEq(uint32_t a, uint32_t b) { return MaskIsZero(a ^ b); }

// DecodeOaepSha256 is EME-OAEP decoding with the empty label (RFC 8017 §7.1.2 step 3), checking
// Y, lHash', the zero run and the 0x01 separator without secret-dependent branches or indices.
std::optional<SecretBytes> DecodeOaepSha256(MutableByteView em) {
  const size_t k = em.size();
  if (k < 2 * kSha256Len + 2) {
    return std::nullopt;
  }
  static const Sha256Digest kEmptyLabelHash = Sha256(ByteView());
  MutableByteView seed = em.subspan(1, kSha256Len);
  MutableByteView db = em.subspan(1 + kSha256Len);
  Mgf1XorSha256(db, seed);
  Mgf1XorSha256(seed, db);
  uint32_t good = MaskIsZero(em[0]);
  good &= MaskIsZero(
      static_cast<uint32_t>(CRYPTO_memcmp(db.data(), kEmptyLabelHash.data(), kSha256Len)));
  uint32_t found = 0;
  uint32_t index = 0;
  for (size_t i = kSha256Len; i < db.size(); ++i) {
    const uint32_t is_one = MaskEq(db[i], 1);
    const uint32_t is_zero = MaskIsZero(db[i]);
    index |= ~found & is_one & static_cast<uint32_t>(i);
    found |= is_one;
    good &= found | is_zero;
  }
  good &= found;
  if (good == 0) {  // the caller learns only this bit (Status 0x84, PROFILE §14)
    return std::nullopt;
  }
  return SecretBytes(ByteView(db.data() + index + 1, db.size() - index - 1));
}

// ForEachKernelGroup hands up to 8 same-size kernel-capable job indices at a time to `run`, and
// every other job index to `fallback`.
template <class Job, class Run, class Fallback>
void ForEachKernelGroup(std::span<const Job> jobs, Run run, Fallback fallback) {
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].key->ifma() == nullptr) {
      fallback(jobs[i]);
    }
  }
  for (int bits : kKernelBits) {
    std::array<size_t, kIfmaLanes> lanes;
    size_t count = 0;
    auto flush = [&] {
      if (count >= IfmaBatchMinimum(bits)) {
        run(std::span<const size_t>(lanes.data(), count));
      } else {
        for (size_t l = 0; l < count; ++l) {
          fallback(jobs[lanes[l]]);
        }
      }
      count = 0;
    };
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (jobs[i].key->ifma() != nullptr && jobs[i].key->bits() == bits) {
        lanes[count++] = i;
        if (count == kIfmaLanes) {
          flush();
        }
      }
    }
    flush();
  }
}

// KernelLanes is one kernel run's operands: per lane a key, an input and an output view, plus
// an encoded-message buffer (EM for signing, the decrypted EM for OAEP; wiped afterwards).
struct KernelLanes {
  std::array<std::array<uint8_t, kMaxModulus>, kIfmaLanes> em;
  std::array<const IfmaRsaKey*, kIfmaLanes> keys;
  std::array<ByteView, kIfmaLanes> in;
  std::array<MutableByteView, kIfmaLanes> out;

  MutableByteView Em(size_t lane) { return {em[lane].data(), keys[lane]->size()}; }
  uint32_t Run(size_t n) {
    return IfmaRsaPrivate({keys.data(), n}, {in.data(), n}, {out.data(), n});
  }
  ~KernelLanes() { OPENSSL_cleanse(em.data(), sizeof(em)); }
};

void FallbackSign(const RsaSignJob& job) {
  *job.signature = job.key->key().SignPkcs1Sha256(job.msg);
}

void FallbackDecrypt(const RsaDecryptJob& job) {
  *job.plain = job.key->key().DecryptOaepSha256(job.cipher);
}

}  // namespace

RsaBatchKey::RsaBatchKey(RsaPrivateKey key) : key_(std::move(key)), bits_(key_.bits()) {
  if (IfmaAvailable()) {
    auto ifma = IfmaRsaKey::Create(key_.get());
    if (ifma.ok()) {
      ifma_ = std::move(ifma.value());
    }
  }
}

void SignPkcs1Sha256Batch(std::span<const RsaSignJob> jobs) {
  ForEachKernelGroup(
      jobs,
      [&](std::span<const size_t> lanes) {
        KernelLanes k;
        for (size_t l = 0; l < lanes.size(); ++l) {
          const RsaSignJob& job = jobs[lanes[l]];
          k.keys[l] = job.key->ifma();
          EncodePkcs1Sha256(job.msg, k.Em(l));
          k.in[l] = k.Em(l);
          job.signature->resize(k.keys[l]->size());
          k.out[l] = *job.signature;
        }
        const uint32_t ok = k.Run(lanes.size());
        for (size_t l = 0; l < lanes.size(); ++l) {
          if ((ok >> l & 1) == 0) {
            FallbackSign(jobs[lanes[l]]);  // fault detected: never release that signature
          }
        }
      },
      FallbackSign);
}

void DecryptOaepSha256Batch(std::span<const RsaDecryptJob> jobs) {
  ForEachKernelGroup(
      jobs,
      [&](std::span<const size_t> lanes) {
        KernelLanes k;
        for (size_t l = 0; l < lanes.size(); ++l) {
          const RsaDecryptJob& job = jobs[lanes[l]];
          k.keys[l] = job.key->ifma();
          k.in[l] = job.cipher;
          k.out[l] = k.Em(l);
        }
        const uint32_t ok = k.Run(lanes.size());
        for (size_t l = 0; l < lanes.size(); ++l) {
          const RsaDecryptJob& job = jobs[lanes[l]];
          if ((ok >> l & 1) != 0) {
            *job.plain = DecodeOaepSha256(k.out[l]);
          } else {
            FallbackDecrypt(job);  // a bad size, c >= n, or a detected fault: OpenSSL decides
          }
        }
      },
      FallbackDecrypt);
}

}  // namespace rcas::crypto
