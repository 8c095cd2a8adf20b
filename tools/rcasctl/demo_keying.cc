// The CASS-side check of the signed requests (PROFILE §9.4, §10.4): the CASS takes the CAM key
// only from a certificate that passed the AC-root checks, then verifies. (The CAM side is
// CheckCassResponse in tools/cam_checks.h.)

#include "crypto/x509.h"
#include "protocol/protect_signed.h"
#include "tools/rcasctl/demo_context.h"

namespace rcas::tools {
namespace {

bool SignatureOk(DemoContext& ctx, const protocol::SignedMessage& m,
                 const crypto::RsaPublicKey& key) {
  return ctx.report.Check(protocol::VerifySigned(m, key) == protocol::ProtectError::kOk,
                          std::string(protocol::MessageTypeName(m.header.type)) + " RSA signature");
}

}  // namespace

std::optional<CheckedSigner> CassChecksCamRequest(DemoContext& ctx,
                                                  const protocol::SignedMessage& m,
                                                  ByteView certificate, ByteView key_pairing_id,
                                                  ByteView cam_id_field) {
  auto cert = crypto::CheckCamCertificate(ctx.pki.issuer.root(), certificate, key_pairing_id,
                                          ctx.now, cam_id_field);
  if (!ctx.report.Check(cert.ok(),
                        "CAM certificate: " + std::string(crypto::CertCheckName(cert.reason)))) {
    return std::nullopt;
  }
  if (!SignatureOk(ctx, m, *cert.subject_key)) {
    return std::nullopt;
  }
  return CheckedSigner{*cert.subject_key, "CAM_ID " + crypto::UpperHex(cert.id)};
}

}  // namespace rcas::tools
