// The full open path with fixed test keys (the PROFILE §19 session, normal
// and fast mode): never crashes, never reads out of bounds, and whatever
// opens re-seals to the identical bytes from (type, nonce, content).

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "protocol/framing.h"
#include "protocol/protect.h"
#include "protocol/protect_signed.h"

namespace {

using namespace rcas;            // NOLINT(google-build-using-namespace)
using namespace rcas::protocol;  // NOLINT(google-build-using-namespace)

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

template <size_t N>
crypto::SecretArray<N> FromHexOrDie(const char* hex) {
  const auto b = FromHex(hex);
  Check(b.has_value() && b->size() == N);
  return crypto::SecretArray<N>(*b);
}

struct Keys {
  Secret20 chk = FromHexOrDie<20>("978bcd6b05f7ce15b80d7c537128fd2e6eb799a5");
  SessionKeys normal = [] {
    SessionKeys s =
        SessionKeys::Normal(FromHexOrDie<20>("5d15b3d4b5fe383424cad236dd13c99a898db3b8"));
    s.SetMek(FromHexOrDie<16>("f823f46214be9e938940028c7d55538c"));
    s.SetMekIv(FromHexOrDie<16>("000102030405060708090a0b0c0d0e0f"));
    return s;
  }();
  SessionKeys fast = SessionKeys::Fast(FromHexOrDie<16>("939033b30654a6652b3cf53bf80c0bab"),
                                       FromHexOrDie<16>("287fa78459e4c09a749b6e3d09a60f5d"),
                                       FromHexOrDie<16>("87de9f6639cd0dc32f6e96df173d4b77"));
};

void TryOpen(const Protection& p, ByteView message, const MessageKeys& keys) {
  static uint8_t plain[65536];
  static uint8_t resealed[65536 + 64];
  OpenedMessage opened;
  const ProtectError e = Open(p, message, keys, plain, &opened);
  if (e != ProtectError::kOk) {
    return;
  }
  Check(opened.content.size() <= message.size());
  // Only a zero reserved octet can be reproduced: senders write 0x00.
  if (opened.header.reserved != 0) {
    return;
  }
  size_t written = 0;
  Check(Seal(p, opened.header.nonce, opened.content, keys, resealed, &written) ==
        ProtectError::kOk);
  Check(written == message.size() && std::memcmp(resealed, message.data(), written) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Keys keys;
  const ByteView message(data, size);
  Header h;
  if (CheckFramedMessage(message, &h) != FrameError::kOk) {
    // Open must agree that it is not a message.
    OpenedMessage o;
    const ProtectError e =
        Open(ProtectionOf(MessageType::kRenewInfo), message, {&keys.chk, &keys.normal}, {}, &o);
    Check(e == ProtectError::kBadHeader || e == ProtectError::kBadFraming);
    return 0;
  }
  if (IsSigned(h.type)) {
    SignedMessage m;
    Check(ParseSigned(message, &m) == ProtectError::kOk);
    Check(m.signature.size() == kSignatureLen && m.content.size() == h.content_len());
    return 0;
  }
  const Protection& p = ProtectionOf(h.type);
  TryOpen(p, message, {&keys.chk, &keys.normal});
  TryOpen(p, message, {&keys.chk, &keys.fast});
  if (h.type == MessageType::kStatus) {
    TryOpen(kUnkeyedStatus, message, {});
  }
  return 0;
}
