#pragma once
// CAM provisioning files (PROFILE §2.3), written by `rcasctl pki cams` and read by the AC store
// and the reference CAM: a header, length-prefixed binary records and an end record carrying
// the record count and a SHA-256 of the file. Streamable in constant memory; format in
// docs/pki.md.

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/secret.h"
#include "crypto/x509.h"

namespace rcas::tools {

inline constexpr char kProvisioningMagic[8] = {'R', 'C', 'A', 'S', 'P', 'R', 'O', 'V'};
inline constexpr uint16_t kProvisioningVersion = 1;
inline constexpr size_t kProvisioningHeaderLen = 16;
inline constexpr size_t kKiOpcPairs = 3;  // PROFILE §2.3: three (Ki, OPc) pairs
inline constexpr size_t kMaxRecordLen = 1u << 16;

// ProvisioningKind says who the file is for; it is part of the header.
enum class ProvisioningKind : uint8_t {
  kAc = 1,   // the AC's ingest file: identities, Ki/OPc and certificates
  kCam = 2,  // the devices' file: the same plus the private key file of each CAM
};

struct KiOpc {
  crypto::SecretArray<16> ki;
  crypto::SecretArray<16> opc;  // OPc = AES_Ki(OP) xor OP (TS 35.206); OP is never stored
};

// CamRecord is one CAM. `key_file` is set in kCam files only: the PKCS#8 PEM private key,
// relative to the provisioning file's folder (several CAMs may share one key file).
struct CamRecord {
  crypto::CamId cam_id{};
  std::array<uint8_t, crypto::kDscIdLen> dsc_id{};
  std::array<KiOpc, kKiOpcPairs> keys;
  Bytes certificate_der;
  std::string key_file;

  // KeyPairingID is CAM_ID ‖ DSC_ID (PROFILE §2.2).
  std::array<uint8_t, crypto::kKeyPairingIdLen> KeyPairingId() const;
};

// EncodeRecord appends the body of one record (without its length prefix) to `out`.
// Fails if the certificate or key file name does not fit its 16-bit length.
Status EncodeRecord(const CamRecord& record, ProvisioningKind kind, Bytes& out);

// DecodeRecord parses one record body strictly: every octet accounted for, no key file in
// kAc files, a non-empty one in kCam files. Returns false on any deviation.
bool DecodeRecord(ByteView body, ProvisioningKind kind, CamRecord& out);

using FilePtr = std::unique_ptr<FILE, int (*)(FILE*)>;
using DigestCtxPtr = std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)>;

// ProvisioningWriter streams records to a new file (mode 0600: it holds Ki/OPc). A file whose
// writer was not Finish()ed has no end record, so every reader rejects it. One thread.
class ProvisioningWriter {
 public:
  // Create truncates or creates `path`.
  static Result<ProvisioningWriter> Create(const std::string& path, ProvisioningKind kind);

  Status Append(const CamRecord& record);
  // Finish writes the end record, flushes, fsyncs and closes.
  Status Finish();
  uint64_t count() const { return count_; }

 private:
  ProvisioningWriter(FilePtr file, DigestCtxPtr digest, ProvisioningKind kind)
      : file_(std::move(file)), digest_(std::move(digest)), kind_(kind) {}
  Status Put(ByteView data);

  FilePtr file_;
  DigestCtxPtr digest_;
  ProvisioningKind kind_;
  uint64_t count_ = 0;
  Bytes scratch_;  // one encoded record; wiped after each Append
};

// ProvisioningReader streams records back. Records come out before the end record's digest is
// checked, so an ingester must commit only after Next() returned false (verified end).
class ProvisioningReader {
 public:
  static Result<ProvisioningReader> Open(const std::string& path);

  ProvisioningKind kind() const { return kind_; }
  // Next fills `out` and returns true, or returns false after the end record verified (count
  // and SHA-256 match, nothing follows); an error for a corrupt or truncated file.
  Result<bool> Next(CamRecord& out);
  uint64_t count() const { return count_; }

 private:
  ProvisioningReader(FilePtr file, DigestCtxPtr digest, ProvisioningKind kind)
      : file_(std::move(file)), digest_(std::move(digest)), kind_(kind) {}
  bool Get(MutableByteView out, bool hash = true);
  Result<bool> CheckEnd();

  FilePtr file_;
  DigestCtxPtr digest_;
  ProvisioningKind kind_;
  uint64_t count_ = 0;
  bool done_ = false;
  crypto::SecretBytes scratch_;
};

}  // namespace rcas::tools
