// CamMachine in an established session: RenewInfo -> download -> decrypt -> SHA-1 check ->
// RenewConfirm or Status 0x03 [-> PurchaseReport] (PROFILE §13.7-§13.9, §15.2, §17), and
// LogRequest -> LogResponse (§13.10). Duplicates get the cached answer (§5.5).

#include <algorithm>

#include "protocol/protect.h"
#include "tools/cam_checks.h"
#include "tools/cam_session.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

constexpr std::array<uint8_t, protocol::kSessionIdLen> kZeroSessionId{};

bool Equal(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

bool CamMachine::AnswerDuplicate(ByteView message, const protocol::Header& h) {
  Session& s = *session_;
  const CamAnswered* a = s.Answered(h.type, h.nonce);
  const std::string name(protocol::MessageTypeName(h.type));
  if (a == nullptr) {
    if (s.UsedNonce(h.nonce)) {
      Drop(name + " reusing a nonce of the session");  // §6.2
      return true;
    }
    return false;
  }
  if (!Equal(a->request, message)) {
    Drop(name + " with a known nonce but other bytes");  // §5.5
  } else if (a->answers.empty()) {
    Drop("duplicate " + name + " while downloading");  // §15.2: the answer comes when done
  } else {
    Trace("<- duplicate " + name + ": cached answer sent again");
    for (const Bytes& answer : a->answers) {
      io_.Send(answer);
    }
  }
  return true;
}

template <protocol::Content T>
bool CamMachine::OpenCassRequest(ByteView message, const protocol::Header& h, Bytes* plain, T* out,
                                 int64_t now_ms) {
  Session& s = *session_;
  const std::string name(protocol::MessageTypeName(h.type));
  plain->resize(message.size());
  protocol::OpenedMessage opened;
  const protocol::ProtectError e =
      protocol::Open(protocol::ProtectionOf(h.type), message, {nullptr, &*s.keys}, *plain, &opened);
  if (e == protocol::ProtectError::kBadPadding) {
    SendKeyedStatus(0x81, h.nonce, kZeroSessionId);  // §23.20
    EndSession(now_ms, true, name + " padding");
    return false;
  }
  if (e != protocol::ProtectError::kOk) {
    Drop(name + ": " + protocol::ProtectErrorName(e));
    return false;  // a bad MAC is dropped silently: the CASS retransmits (§23.2)
  }
  if (protocol::Decode(opened.content, out) != protocol::DecodeError::kNone) {
    SendKeyedStatus(0x81, h.nonce,
                    protocol::PeekSessionId(opened.content).value_or(kZeroSessionId));  // §23.1
    EndSession(now_ms, true, name + " malformed");  // for RenewInfo: §23.9
    return false;
  }
  if (!Equal(out->session_id, s.id)) {
    SendKeyedStatus(0x82, h.nonce, out->session_id);
    EndSession(now_ms, true, name + " of another session");
    return false;
  }
  return true;
}

void CamMachine::OnRenewInfo(ByteView message, const protocol::Header& h, int64_t now_ms) {
  if (phase_ != CamPhase::kEstablished && phase_ != CamPhase::kDownloading) {
    return Drop("RenewInfo outside an established session");
  }
  if (AnswerDuplicate(message, h)) {
    return;
  }
  if (phase_ == CamPhase::kDownloading) {
    return Drop("new RenewInfo while downloading");
  }
  Session& s = *session_;
  Bytes plain;
  protocol::RenewInfoContent v;
  if (!OpenCassRequest(message, h, &plain, &v, now_ms)) {
    return;
  }
  s.nonces.push_back(h.nonce);
  s.answered.push_back(
      {MessageType::kRenewInfo, h.nonce, Bytes(message.begin(), message.end()), {}});
  CamDownload d;
  d.id = ++downloads_;
  d.nonce = h.nonce;
  d.client_type = v.client_type;
  d.purchase_report_req = v.purchase_report_req;
  for (size_t i = 0; i < v.images().size(); ++i) {
    const protocol::ImageInfo& info = v.images()[i];
    ImageRequest r{d.id, i, info.tm, std::nullopt, std::string(info.fn.value_or(""))};
    if (info.ds_ip) {
      r.ds_ip.emplace();
      CopyTo(*r.ds_ip, *info.ds_ip);
    }
    // imageFlag 0x01 common, 0x02 individual, 0x03 both, common first (§13.7).
    const bool common = v.image_flag == 0x01 || (v.image_flag == 0x03 && i == 0);
    std::array<uint8_t, 20> hash{};
    CopyTo(hash, common ? v.hashed_ccci : v.hashed_icci);
    d.images.push_back(std::move(r));
    d.hashes.push_back(hash);
    d.common.push_back(common);
    d.fetched.push_back(false);
  }
  d.pending = d.images.size();
  Trace("<- RenewInfo nonce=" + ToHex(ByteView(message).subspan(6, 8)) + " clientType " +
        std::to_string(v.client_type) + ", " + std::to_string(d.images.size()) + " image(s)" +
        (v.purchase_report_req ? ", purchaseReport-Req" : ""));
  s.download = std::move(d);
  phase_ = CamPhase::kDownloading;
  const std::vector<ImageRequest> requests = s.download->images;
  for (const ImageRequest& r : requests) {
    if (session_ == nullptr || !session_->download) {
      return;
    }
    io_.FetchImage(r);
  }
}

void CamMachine::OnImageFetched(uint64_t download, size_t index, Result<Bytes> object,
                                int64_t now_ms) {
  if (session_ == nullptr || !session_->download || session_->download->id != download ||
      index >= session_->download->images.size() || session_->download->fetched[index]) {
    return;
  }
  Session& s = *session_;
  CamDownload& d = *s.download;
  d.fetched[index] = true;
  const std::string what =
      std::string(d.common[index] ? "common" : "individual") + " image " + d.images[index].fn;
  if (!object) {
    d.transport_failed = true;
    Trace("   download " + what + ": " + object.error());
  } else {
    const crypto::AesKey& key = d.common[index] ? s.images.ccciek : s.images.icciek;
    const protocol::SecretBlock& iv = d.common[index] ? s.images.ccciek_iv : s.images.icciek_iv;
    const ImageVerdict v = CheckImage(*object, key.view(), iv.view(), d.hashes[index]);
    d.integrity_failed = d.integrity_failed || v != ImageVerdict::kOk;
    Trace("   check " + what + " (" + std::to_string(object->size()) + " B): " +
          (v == ImageVerdict::kBadPadding     ? "PKCS#7 FAILED"
           : v == ImageVerdict::kHashMismatch ? "SHA-1 FAILED"
                                              : "AES-CBC ok, SHA-1 ok"));
  }
  if (--d.pending == 0) {
    FinishDownload(now_ms);
  }
}

void CamMachine::FinishDownload(int64_t now_ms) {
  Session& s = *session_;
  const CamDownload d = std::move(*s.download);
  s.download.reset();
  std::vector<Bytes> answers;
  if (d.integrity_failed) {
    // §13.8, §17.2: an integrity failure is Status 0x03, not RenewConfirm(FALSE).
    stats_.images_failed += d.images.size();
    s.degraded = true;
    if (Bytes status = SendKeyedStatus(0x03, d.nonce, s.id); !status.empty()) {
      answers.push_back(std::move(status));
    }
  } else {
    const bool ok = !d.transport_failed;
    const protocol::RenewConfirmContent confirm{s.id, ok};
    Bytes der;
    if (protocol::Encode(confirm, &der)) {
      answers.push_back(SealKeyed(MessageType::kRenewConfirm, d.nonce, der));
      SendOnce(answers.back(), MessageType::kRenewConfirm, d.nonce);
    }
    if (ok) {
      stats_.images_installed += d.images.size();
      Install(d.client_type);
    } else {
      stats_.images_failed += d.images.size();
      s.degraded = true;
    }
    // PurchaseReport follows only RenewConfirm(TRUE) (§23.14); it reuses nonce #3.
    const protocol::PurchaseReportContent report{s.id, config_.purchase_info};
    if (ok && d.purchase_report_req && protocol::Encode(report, &der)) {
      answers.push_back(SealKeyed(MessageType::kPurchaseReport, d.nonce, der));
      SendOnce(answers.back(), MessageType::kPurchaseReport, d.nonce);
    }
  }
  for (CamAnswered& a : s.answered) {
    if (a.type == MessageType::kRenewInfo && a.nonce == d.nonce) {
      a.answers = std::move(answers);
      break;
    }
  }
  phase_ = CamPhase::kEstablished;
  s.idle_at = now_ms + config_.Scaled(config_.idle_ms);
}

// Install records the clients of the renewed type as the last verified announcement offers
// them for this CAM's HW/SW (§13.1; RenewInfo carries no version). RenewInfo numbers DRM 0x02
// and ASD 0x03, CAMClientInfo the other way round (§20 E10).
void CamMachine::Install(uint8_t renew_client_type) {
  const uint8_t type = renew_client_type == 0x02   ? 0x03
                       : renew_client_type == 0x03 ? 0x02
                                                   : renew_client_type;
  if (!offer_) {
    return;
  }
  for (const protocol::CamClientVersion& cv : offer_->client_versions) {
    if (!Equal(cv.hw_version, config_.hw_version) || !Equal(cv.sw_version, config_.sw_version)) {
      continue;
    }
    for (const protocol::CamClientInfo& c : cv.clients) {
      if (c.client_type == type) {
        state_.Install({c.client_type, c.client_vendor, c.client_version});
        Trace("installed client type " + std::to_string(type) + " vendor " +
              std::to_string(c.client_vendor) + " version " + std::to_string(c.client_version));
      }
    }
  }
  io_.StateChanged();
}

void CamMachine::OnLogRequest(ByteView message, const protocol::Header& h, int64_t now_ms) {
  if (phase_ != CamPhase::kEstablished && phase_ != CamPhase::kDownloading) {
    return Drop("LogRequest outside an established session");
  }
  if (AnswerDuplicate(message, h)) {
    return;
  }
  Session& s = *session_;
  Bytes plain;
  protocol::LogRequestContent v;
  if (!OpenCassRequest(message, h, &plain, &v, now_ms)) {
    return;
  }
  Trace("<- LogRequest");
  s.nonces.push_back(h.nonce);
  protocol::LogResponseContent response{s.id, std::nullopt};
  if (config_.log_info) {
    response.log_response_info = ByteView(*config_.log_info);
  }
  Bytes der;
  Bytes sealed = protocol::Encode(response, &der)
                     ? SealKeyed(MessageType::kLogResponse, h.nonce, der)
                     : Bytes();
  if (!sealed.empty()) {
    SendOnce(sealed, MessageType::kLogResponse, h.nonce);
  }
  s.answered.push_back(
      {MessageType::kLogRequest, h.nonce, Bytes(message.begin(), message.end()), {sealed}});
  if (phase_ == CamPhase::kEstablished) {
    s.idle_at = now_ms + config_.Scaled(config_.idle_ms);
  }
}

}  // namespace rcas::tools
