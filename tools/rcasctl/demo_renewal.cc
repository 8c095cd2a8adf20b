// The exchanges of an established session, shared by both modes: RenewInfo with a common and an
// individual CACS image, the CAM's download, decryption and hash check (PROFILE §13.7, §17),
// RenewConfirm(TRUE), PurchaseReport (§13.9), and LogRequest / LogResponse (§13.10).

#include <map>

#include "crypto/aes.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "tools/rcasctl/demo_context.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

// The image server: file name -> encrypted object, as the CASS published them.
using ImageServer = std::map<std::string, Bytes, std::less<>>;

constexpr std::array<uint8_t, 16> kImageServer = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 20};  // ::ffff:192.0.2.20

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out.append(s);
  }
  return out;
}

// CamFetchesImage: download `fn`, decrypt with the image key and IV of §17.1, and compare the
// SHA-1 of the plaintext with the RenewInfo hash in constant time (§17.2).
bool CamFetchesImage(DemoContext& ctx, const ImageServer& server, const protocol::ImageInfo& info,
                     const crypto::AesKey& key, const protocol::SecretBlock& iv, ByteView hash,
                     std::string_view what) {
  const std::string fn(info.fn.value_or(""));
  const auto object = server.find(fn);
  if (!ctx.report.Check(object != server.end(), "CAM: download " + fn)) {
    return false;
  }
  const ImageVerdict v = CheckImage(object->second, key.view(), iv.view(), hash);
  if (!ctx.report.Check(v != ImageVerdict::kBadPadding,
                        "CAM: " + std::string(what) + " image PKCS#7") ||
      !ctx.report.Check(v == ImageVerdict::kOk,
                        "CAM: " + std::string(what) + " image hash (else Status 0x03)")) {
    return false;
  }
  const bool common = what == "common";
  ctx.report.Note("CAM: " + std::string(what) + " image " + fn + " (" +
                  std::to_string(object->second.size()) + " octets): AES-CBC(" +
                  (common ? "CCCIEK, CCCIEK-IV" : "ICCIEK, ICCIEK-IV") +
                  ") decrypted, SHA-1 = " + (common ? "hashed-CCCI" : "hashed-ICCI") + " ok");
  return true;
}

std::string RenewInfoFacts(const protocol::RenewInfoContent& v) {
  std::string s = "imageFlag " + ToHex(ByteView(&v.image_flag, 1)) + ", " +
                  std::to_string(v.images().size()) + " images (HTTP)";
  return s + (v.purchase_report_req ? ", purchaseReport-Req" : "") + ", hashed-CCCI " +
         Short(v.hashed_ccci) + ", hashed-ICCI " + Short(v.hashed_icci);
}

}  // namespace

bool RunRenewal(DemoContext& ctx, ByteView session_id, const SessionSide& cass,
                const SessionSide& cam, const RenewalPlan& plan) {
  const std::string_view ik_name = plan.ik_name;
  // CASS: the image objects, encrypted once with the keys of §17.1, published for download.
  const std::string common = Repeat("RCAS common demo image, CAS client v3\n", 3);
  const std::string individual =
      Repeat("RCAS individual demo image for session " + ToHex(session_id) + "\n", 2);
  const std::string common_fn = plan.common_per_session
                                    ? "cacs/common-v3-" + ToHex(session_id) + ".bin"
                                    : "cacs/common-v3.bin";
  const std::string individual_fn = "cacs/" + ToHex(session_id) + ".bin";
  ImageServer server;
  server[common_fn] = crypto::AesCbcEncrypt(cass.images->ccciek.view(),
                                            cass.images->ccciek_iv.view(), AsView(common));
  server[individual_fn] = crypto::AesCbcEncrypt(cass.images->icciek.view(),
                                                cass.images->icciek_iv.view(), AsView(individual));
  const crypto::Sha1Digest hashed_ccci = crypto::Sha1(AsView(common));
  const crypto::Sha1Digest hashed_icci = crypto::Sha1(AsView(individual));
  protocol::RenewInfoContent info;
  info.session_id = session_id;
  info.client_type = 0x01;  // CAS
  info.image_flag = 0x03;   // common + individual, common first (§13.7)
  info.image_info[0] = {kImageServer, 0x03, common_fn};
  info.image_info[1] = {kImageServer, 0x03, individual_fn};
  info.image_count = 2;
  info.purchase_report_req = plan.purchase_report;
  info.hashed_ccci = hashed_ccci;
  info.hashed_icci = hashed_icci;

  const uint64_t nonce3 = crypto::RandomU64();
  const protocol::MessageKeys cass_keys{nullptr, cass.keys};
  const protocol::MessageKeys cam_keys{nullptr, cam.keys};
  auto got = SendKeyed<protocol::RenewInfoContent>(
      ctx, Party::kCass, protocol::ProtectionOf(MessageType::kRenewInfo), nonce3, info, cass_keys,
      cam_keys, session_id, ik_name, RenewInfoFacts);
  if (!got) {
    return false;
  }
  // CAM: every image of the RenewInfo, common first.
  const protocol::RenewInfoContent& v = got->value;
  if (!ctx.report.Check(v.images().size() == 2, "RenewInfo carries two images") ||
      !CamFetchesImage(ctx, server, v.images()[0], cam.images->ccciek, cam.images->ccciek_iv,
                       v.hashed_ccci, "common") ||
      !CamFetchesImage(ctx, server, v.images()[1], cam.images->icciek, cam.images->icciek_iv,
                       v.hashed_icci, "individual")) {
    return false;
  }
  const bool report_purchases = v.purchase_report_req;
  const protocol::RenewConfirmContent confirm{session_id, true};
  auto confirmed = SendKeyed<protocol::RenewConfirmContent>(
      ctx, Party::kCam, protocol::ProtectionOf(MessageType::kRenewConfirm), nonce3, confirm,
      cam_keys, cass_keys, session_id, ik_name, [](const protocol::RenewConfirmContent& c) {
        return std::string("downloadStatus ") + (c.download_status ? "TRUE" : "FALSE");
      });
  if (!confirmed || !ctx.report.Check(confirmed->value.download_status, "downloadStatus TRUE")) {
    return false;
  }
  if (report_purchases) {
    static constexpr char kPurchases[] = "purchase record: event 42, 1 pay-per-view";
    const protocol::PurchaseReportContent report{session_id, AsView(kPurchases)};
    if (!SendKeyed<protocol::PurchaseReportContent>(
            ctx, Party::kCam, protocol::ProtectionOf(MessageType::kPurchaseReport), nonce3, report,
            cam_keys, cass_keys, session_id, ik_name, [](const protocol::PurchaseReportContent& r) {
              return "purchaseInfo \"" +
                     std::string(r.purchase_info.begin(), r.purchase_info.end()) +
                     "\" (nonce #3 again)";
            })) {
      return false;
    }
  }
  if (!plan.log) {
    return true;
  }
  const uint64_t nonce4 = crypto::RandomU64();
  const protocol::LogRequestContent log_request{session_id};
  if (!SendKeyed<protocol::LogRequestContent>(
          ctx, Party::kCass, protocol::ProtectionOf(MessageType::kLogRequest), nonce4, log_request,
          cass_keys, cam_keys, session_id, ik_name,
          [](const protocol::LogRequestContent&) { return std::string("logRequest-Req TRUE"); })) {
    return false;
  }
  static constexpr char kLog[] = "log: 1 boot, 0 errors";
  const protocol::LogResponseContent log_response{session_id, AsView(kLog)};
  return SendKeyed<protocol::LogResponseContent>(
             ctx, Party::kCam, protocol::ProtectionOf(MessageType::kLogResponse), nonce4,
             log_response, cam_keys, cass_keys, session_id, ik_name,
             [](const protocol::LogResponseContent& r) {
               const ByteView text = r.log_response_info.value_or(ByteView());
               return "logResponseInfo \"" + std::string(text.begin(), text.end()) + "\"";
             })
      .has_value();
}

}  // namespace rcas::tools
