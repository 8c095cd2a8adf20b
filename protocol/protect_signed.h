#pragma once
// The four signed types (KeyRequest, KeyResponse, KeyRegRequest,
// KeyRegResponse): trailer = RSASSA-PKCS1-v1_5/SHA-256 over header || content
// with an RSA-2048 key (PROFILE §4.2, §9.4). Control-path code: the verifying
// key usually comes from the certificate inside the content, so opening is
// two steps: ParseSigned (header, framing; nothing verified) and then
// VerifySigned once the caller has the signer's key. Thread-safe on const keys.

#include <cstdint>

#include "crypto/bytes.h"
#include "crypto/result.h"
#include "crypto/rsa.h"
#include "protocol/header.h"
#include "protocol/protect.h"

namespace rcas::protocol {

// SealSigned builds header || content || signature for signed `type` into
// `out` (at least SealedLen(ProtectionOf(type), content.size()) octets) and
// sets *written. `key` is the CAM key for 0x0003/0x000D and the CASS key for
// 0x0004/0x000E (ProtectionOf(type).signer); it must be RSA-2048.
ProtectError SealSigned(MessageType type, uint64_t nonce, ByteView content,
                        const crypto::RsaPrivateKey& key, MutableByteView out, size_t* written);

// SealSignedToBytes is SealSigned into a new buffer.
Result<Bytes> SealSignedToBytes(MessageType type, uint64_t nonce, ByteView content,
                                const crypto::RsaPrivateKey& key);

// SignedMessage: the parts of a framed signed message, views into the input.
// Nothing in it is authenticated until VerifySigned returns kOk.
struct SignedMessage {
  Header header{};
  ByteView signed_part;                         // H || C
  ByteView content;                             // C (plaintext DER)
  ByteView signature;                           // 256 octets
  HeaderError header_error = HeaderError::kOk;  // the reason when kBadHeader
};

// ParseSigned checks the header rules and framing of one whole signed
// message; kWrongType for any other type.
ProtectError ParseSigned(ByteView message, SignedMessage* out) noexcept;

// VerifySigned checks the signature with the signer's public key.
ProtectError VerifySigned(const SignedMessage& message, const crypto::RsaPublicKey& key) noexcept;

}  // namespace rcas::protocol
