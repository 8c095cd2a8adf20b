// The DPDK worker's keyed stage against the one-shot reference (protocol::Open): any datagram
// from a source with a flow never crashes the stage, and its verdict agrees with what
// protocol::Open and protocol::Decode say of the same octets. The input is taken twice: as a
// whole datagram, and (after one type octet) as DER content sealed under the flow's keys, so the
// decode behind the MAC is fuzzed too.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dataplane/flow_table.h"
#include "dataplane/keyed_stage.h"
#include "protocol/content.h"
#include "protocol/flow_keys.h"
#include "protocol/framing.h"
#include "protocol/protect.h"

namespace {

using namespace rcas;  // NOLINT(google-build-using-namespace)
using dataplane::KeyedVerdict;
using protocol::MessageType;

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

struct Fixture {
  protocol::SessionKeys keys = [] {
    crypto::AesKey mak, mek;
    protocol::SecretBlock iv;
    for (size_t i = 0; i < 16; ++i) {
      mak.mutable_view()[i] = static_cast<uint8_t>(i);
      mek.mutable_view()[i] = static_cast<uint8_t>(0x40 + i);
      iv.mutable_view()[i] = static_cast<uint8_t>(0x80 + i);
    }
    return protocol::SessionKeys::Fast(mak, mek, iv);
  }();
  dataplane::FlowKey source{{10, 0, 0, 2}, 40000, false};
  dataplane::FlowTable flows{64, 1};
  dataplane::KeyedStage stage{flows};
  Fixture() {
    protocol::FlowKeys fk;
    Check(protocol::MakeFlowKeys(keys, &fk).ok());
    Check(flows.Install(source, 9, fk));
  }
};

// DecodesAs: protocol::Decode of the content type of `t` accepts `content`.
bool DecodesAs(MessageType t, ByteView content) {
  protocol::CamRegContent a;
  protocol::RenewConfirmContent b;
  protocol::PurchaseReportContent c;
  protocol::LogResponseContent d;
  switch (t) {
    case MessageType::kCamReg:
      return protocol::Decode(content, &a) == protocol::DecodeError::kNone;
    case MessageType::kRenewConfirm:
      return protocol::Decode(content, &b) == protocol::DecodeError::kNone;
    case MessageType::kPurchaseReport:
      return protocol::Decode(content, &c) == protocol::DecodeError::kNone;
    default:
      return protocol::Decode(content, &d) == protocol::DecodeError::kNone;
  }
}

dataplane::KeyedOutput Run(Fixture& f, Bytes& msg) {
  std::array<dataplane::KeyedInput, 1> in{
      dataplane::KeyedInput{msg.data(), static_cast<uint32_t>(msg.size()), f.source}};
  std::array<dataplane::KeyedOutput, 1> out{};
  f.stage.Process(in, out);
  return out[0];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture f;
  // 1. The octets as a datagram: framing verdicts agree with the reference.
  Bytes raw(data, data + size);
  const Bytes copy = raw;
  const dataplane::KeyedOutput out = Run(f, raw);
  protocol::Header h;
  const bool framed = protocol::CheckUdpDatagram(copy, &h) == protocol::FrameError::kOk;
  Check((out.verdict == KeyedVerdict::kBadFrame) == !framed);
  if (out.verdict == KeyedVerdict::kBadMac || out.verdict == KeyedVerdict::kRaw) {
    Check(raw == copy);  // untouched for control
  }
  if (out.verdict == KeyedVerdict::kOpened || out.verdict == KeyedVerdict::kContentInvalid) {
    Bytes plain(copy.size());
    protocol::OpenedMessage opened;
    Check(protocol::Open(protocol::ProtectionOf(h.type), copy, {nullptr, &f.keys}, plain,
                         &opened) == protocol::ProtectError::kOk);
    Check(out.plain_offset + out.plain_len <= raw.size());
    const ByteView mine(raw.data() + out.plain_offset, out.plain_len);
    Check(std::equal(mine.begin(), mine.end(), opened.content.begin(), opened.content.end()));
    Check((out.verdict == KeyedVerdict::kOpened) == DecodesAs(h.type, opened.content));
  }
  // 2. The octets after the first as content of a keyed CAM type, sealed for the flow.
  if (size < 3) {
    return 0;
  }
  static constexpr MessageType kTypes[] = {MessageType::kCamReg, MessageType::kRenewConfirm,
                                           MessageType::kPurchaseReport, MessageType::kLogResponse};
  const MessageType t = kTypes[data[0] % 4];
  const ByteView content(data + 1, size - 1);
  auto sealed = protocol::SealToBytes(protocol::ProtectionOf(t), 0x1122334455667788ull, content,
                                      {nullptr, &f.keys});
  protocol::Header sh;
  if (!sealed.ok() || protocol::CheckUdpDatagram(*sealed, &sh) != protocol::FrameError::kOk) {
    return 0;  // too long for a message or a datagram
  }
  Bytes msg = *sealed;
  const dataplane::KeyedOutput o = Run(f, msg);
  Check(o.verdict ==
        (DecodesAs(t, content) ? KeyedVerdict::kOpened : KeyedVerdict::kContentInvalid));
  Check(o.session == 9 && o.plain_len == content.size());
  Check(std::memcmp(msg.data() + o.plain_offset, content.data(), content.size()) == 0);
  return 0;
}
