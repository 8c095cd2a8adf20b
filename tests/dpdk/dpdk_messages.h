#pragma once
// RCAS messages for the DPDK transport tests: a fast-mode session's keys, a sealed LogResponse
// under them, any octets under a valid header.

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "protocol/content.h"
#include "protocol/header.h"
#include "protocol/message_type.h"
#include "protocol/protect.h"

namespace rcas::dataplane::testing {

// Keyed: a fast-mode session's keys on both sides.
struct Keyed {
  crypto::AesKey mak, mek;
  protocol::SecretBlock iv;
  protocol::SessionKeys keys;
  Keyed() : keys(Make()) {}
  protocol::SessionKeys Make() {
    crypto::RandomBytes(mak.mutable_view());
    crypto::RandomBytes(mek.mutable_view());
    crypto::RandomBytes(iv.mutable_view());
    return protocol::SessionKeys::Fast(mak, mek, iv);
  }
};

inline Bytes SessionId() {
  Bytes id(protocol::kSessionIdLen);
  crypto::RandomBytes(id);
  return id;
}

inline Bytes LogResponse(const protocol::SessionKeys& keys, ByteView sid, Bytes* der) {
  protocol::LogResponseContent c;
  c.session_id = sid;
  const Bytes info(40, 0x5a);
  c.log_response_info = ByteView(info);
  EXPECT_TRUE(protocol::Encode(c, der));
  auto sealed = protocol::SealToBytes(protocol::ProtectionOf(protocol::MessageType::kLogResponse),
                                      77, *der, {nullptr, &keys});
  EXPECT_TRUE(sealed.ok());
  return *sealed;
}

// Framed: any octets under a valid header of `type` (what the framing checks look at).
inline Bytes Framed(protocol::MessageType type, size_t content_len) {
  Bytes m(protocol::kHeaderLen + content_len + protocol::TrailerLen(type), 0x33);
  protocol::WriteHeader(protocol::MakeHeader(type, content_len, 5), m.data());
  return m;
}

}  // namespace rcas::dataplane::testing
