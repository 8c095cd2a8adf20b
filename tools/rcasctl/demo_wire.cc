// The demo's shared helpers: the CASS zone, sealing with the burst log, report texts.

#include <cstring>

#include "crypto/aes.h"
#include "crypto/random.h"
#include "tools/rcasctl/demo_context.h"

namespace rcas::tools {

std::unique_ptr<CassZone> MakeCassZone(const crypto::CassId& cass_id) {
  auto zone = std::make_unique<CassZone>();
  static constexpr char kAddr[] = "192.0.2.10";  // RFC 5737 documentation address
  std::memcpy(zone->ip_addr.data(), kAddr, sizeof(kAddr) - 1);
  zone->info.cass_id = ByteView(cass_id.data(), cass_id.size());
  zone->info.ip_addr_type = 0x01;  // IPv4 (§13.1)
  zone->info.ip_addr = zone->ip_addr;
  zone->info.connection_type = 0x02;  // TCP
  zone->info.listening_port = 49104;  // §5.2 default
  if (!protocol::Encode(zone->info, &zone->info_der)) {
    return nullptr;
  }
  // CHK = SHA-1(RAND_CHK || DER(CASSInfo)), one per CASS zone (§11.5).
  const auto rand_chk = crypto::RandomArray<protocol::kRandLen>();
  zone->chk = protocol::DeriveChk(rand_chk, zone->info_der);
  // Counters start at the current time so they never go backwards (§6.1).
  zone->counter_a = static_cast<uint64_t>(std::time(nullptr));
  zone->counter_r = zone->counter_a;
  return zone;
}

Result<Bytes> SealKeyed(DemoContext& ctx, const protocol::Protection& p, uint64_t nonce,
                        ByteView content, const protocol::MessageKeys& keys) {
  auto sealed = protocol::SealToBytes(p, nonce, content, keys);
  if (!sealed || p.trailer != protocol::TrailerKind::kHmac) {
    return sealed;
  }
  KeyedRecord r{p, nonce, Bytes(content.begin(), content.end()), {}, {}, {}, *sealed};
  if (p.mac_key == protocol::MacKey::kChk) {
    r.ik = crypto::SecretBytes(keys.chk->view());
  } else {
    r.ik = crypto::SecretBytes(keys.session->ik());
  }
  if (p.encrypted) {
    r.ek = crypto::SecretBytes(keys.session->mek()->view());
    r.ivb = p.iv_base == protocol::IvBase::kZero
                ? crypto::SecretBytes(crypto::kAesBlock)
                : crypto::SecretBytes(keys.session->mek_iv()->view());
  }
  ctx.keyed.push_back(std::move(r));
  return sealed;
}

std::string ProtectionText(const protocol::Protection& p, std::string_view ik_name) {
  switch (p.trailer) {
    case protocol::TrailerKind::kDigest:
      return "SHA-1 digest (unkeyed)";
    case protocol::TrailerKind::kSignature:
      return "RSA signature";
    case protocol::TrailerKind::kHmac:
      break;
  }
  std::string text = p.encrypted ? "AES-CBC(MEK) + " : "";
  text.append("HMAC-SHA1(").append(p.mac_key == protocol::MacKey::kChk ? "CHK" : ik_name);
  return text.append(")");
}

std::array<uint8_t, protocol::kCamIdFieldLen> CamIdField(const crypto::CamId& cam_id) {
  std::array<uint8_t, protocol::kCamIdFieldLen> field{};
  std::copy(cam_id.begin(), cam_id.end(), field.begin());
  return field;
}

std::string Short(ByteView v) {
  return ToHex(v.first(std::min<size_t>(v.size(), 4))).append(v.size() > 4 ? ".." : "");
}

}  // namespace rcas::tools
