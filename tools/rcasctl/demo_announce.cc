// RCASAnnounce in the demo (PROFILE §5.1, §9.1, §13.1, §15.1): the CASS MACs it with CHK; a
// virgin CAM has no CHK yet, reads CASSInfo unverified and verifies it later.

#include <algorithm>

#include "tools/rcasctl/demo_context.h"

namespace rcas::tools {

Bytes AnnounceToVirginCam(DemoContext& ctx, uint8_t flag) {
  // CASS: one client (CAS, vendor 0x0001, version 3) for CAMs with HW 00000001 / SW 00000002.
  const protocol::CamClientInfo client{0x01, 0x00, 0x0001, 0x0003};
  const protocol::CamClientVersion version{
      kDemoHwVersion, kDemoSwVersion,
      protocol::SequenceOf<protocol::CamClientInfo>::Values({&client, 1})};
  const protocol::RcasAnnounceContent content{
      flag, protocol::SequenceOf<protocol::CamClientVersion>::Values({&version, 1}), ctx.zone.info};
  Bytes der;
  const protocol::Protection& p = protocol::ProtectionOf(protocol::MessageType::kRcasAnnounce);
  if (!ctx.report.Check(protocol::Encode(content, &der), "RCASAnnounce encodes")) {
    return {};
  }
  auto sealed = SealKeyed(ctx, p, ctx.zone.counter_a++, der, {&ctx.zone.chk, nullptr});
  if (!ctx.report.Check(sealed.ok(), "RCASAnnounce seal")) {
    return {};
  }
  // CAM: header and framing (§3-§5), then the content, unverified: no CHK yet (§15.1).
  protocol::Header h;
  protocol::HeaderError he;
  if (!ctx.report.Check(
          protocol::CheckMessageFrame(*sealed, &h, &he) == protocol::ProtectError::kOk,
          "RCASAnnounce framing")) {
    return {};
  }
  protocol::RcasAnnounceContent got;
  if (!ctx.report.Check(
          protocol::Decode(ByteView(*sealed).subspan(protocol::kHeaderLen, h.content_len()),
                           &got) == protocol::DecodeError::kNone,
          "RCASAnnounce content") ||
      !ctx.report.Check(got.protocol_type_flag == flag, "RCASAnnounce protocolTypeFlag")) {
    return {};
  }
  const protocol::CassInfo& ci = got.cass_info;
  const std::string addr(ci.ip_addr.begin(), std::find(ci.ip_addr.begin(), ci.ip_addr.end(), 0));
  ctx.report.Message(
      Party::kCass, h.type, sealed->size(), "HMAC-SHA1(CHK) kept for later (virgin CAM)",
      "CASS_ID " + crypto::UpperHex(ci.cass_id) +
          (ci.connection_type == 0x02 ? ", TCP " : ", UDP ") + addr + ":" +
          std::to_string(ci.listening_port) + (flag == 0x01 ? ", normal mode" : ", fast mode") +
          ", " + std::to_string(got.client_versions.size()) + " client version(s)");
  return std::move(*sealed);
}

bool CamVerifiesAnnounce(DemoContext& ctx, ByteView announce, const protocol::Secret20& chk,
                         std::string_view chk_from) {
  Bytes plain(announce.size());
  protocol::OpenedMessage opened;
  const protocol::ProtectError e =
      protocol::Open(protocol::ProtectionOf(protocol::MessageType::kRcasAnnounce), announce,
                     {&chk, nullptr}, plain, &opened);
  if (!ctx.report.Check(
          e == protocol::ProtectError::kOk,
          std::string("CAM: RCASAnnounce with CHK: ") + protocol::ProtectErrorName(e))) {
    return false;
  }
  ctx.report.Note("CAM: the RCASAnnounce now verifies: HMAC-SHA1(CHK from " +
                  std::string(chk_from) + ") ok");
  return true;
}

}  // namespace rcas::tools
