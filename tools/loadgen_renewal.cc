// LoadGenerator in an established session: RenewInfo -> (download, decrypt, SHA-1 check) ->
// RenewConfirm [+ PurchaseReport] or Status 0x03 (PROFILE §13.7-§13.9, §15.2, §17), and
// LogRequest -> LogResponse (§13.10). A duplicate request gets the same answer again (§5.5).

#include "protocol/content.h"
#include "protocol/protect.h"
#include "tools/cam_checks.h"
#include "tools/loadgen_cam.h"

namespace rcas::tools {
namespace {

using protocol::MessageType;

constexpr std::array<uint8_t, protocol::kSessionIdLen> kZeroSessionId{};
constexpr uint8_t kPurchaseInfo[] = {'r', 'c', 'a', 's', '-', 'l', 'o', 'a', 'd', 'g', 'e', 'n'};
constexpr uint8_t kLogInfo[] = {'l', 'o', 'a', 'd', 'g', 'e', 'n', ' ', 'l', 'o', 'g'};

bool Live(CamStep s) { return s == CamStep::kEstablished || s == CamStep::kDownloading; }

}  // namespace

// OpenCassRequest opens a RenewInfo / LogRequest of the session and answers its failures as
// the reference CAM does (tools/cam_renewal.cc): bad padding 0x81, a bad MAC dropped (the CASS
// retransmits, §23.2), bad DER 0x81, another session 0x82.
template <protocol::Content T>
static bool OpenCassRequest(ByteView message, protocol::SessionKeys& keys, ByteView session_id,
                            Bytes& plain, T* out, uint8_t* status, ByteView* status_sid) {
  plain.resize(message.size());
  protocol::OpenedMessage opened;
  protocol::Header h;
  protocol::HeaderError he;
  protocol::CheckMessageFrame(message, &h, &he);
  const protocol::ProtectError e =
      protocol::Open(protocol::ProtectionOf(h.type), message, {nullptr, &keys}, plain, &opened);
  *status = 0;
  if (e == protocol::ProtectError::kBadPadding) {
    *status = 0x81;
    *status_sid = kZeroSessionId;
    return false;
  }
  if (e != protocol::ProtectError::kOk) {
    return false;
  }
  if (protocol::Decode(opened.content, out) != protocol::DecodeError::kNone) {
    *status = 0x81;
    *status_sid = protocol::PeekSessionId(opened.content).value_or(kZeroSessionId);
    return false;
  }
  if (!crypto::ConstantTimeEqual(out->session_id, session_id)) {
    *status = 0x82;
    *status_sid = out->session_id;
    return false;
  }
  return true;
}

void LoadGenerator::OnRenewInfo(uint32_t cam, ByteView message, const protocol::Header& h,
                                int64_t now_us) {
  Cam& c = cams_[cam];
  if (!Live(c.step)) {
    ++report_.stray;
    return;
  }
  if (h.nonce == c.renew_nonce && c.renew_nonce != 0) {
    if (c.step != CamStep::kDownloading) {
      SendRenewalAnswers(cam);  // §15.2: resend the cached answer
    }
    return;
  }
  if (c.step == CamStep::kDownloading) {
    ++report_.stray;  // a new RenewInfo while downloading
    return;
  }
  protocol::RenewInfoContent v;
  uint8_t status = 0;
  ByteView sid;
  if (!OpenCassRequest(message, c.keys, c.session_id, scratch_, &v, &status, &sid)) {
    CheckFailed("RenewInfo");
    if (status != 0) {
      SendStatus(cam, status, h.nonce, true, sid);
      EndSession(cam, now_us, true);
    }
    return;
  }
  c.renew_nonce = h.nonce;
  c.renew_answer = kRenewNone;
  ++c.timer_gen;  // the hold waits for the answer
  auto d = std::make_unique<Download>();
  d->nonce = h.nonce;
  d->client_type = v.client_type;
  d->purchase_report_req = v.purchase_report_req;
  d->started_us = now_us;
  c.step = CamStep::kDownloading;
  if (!o_.download) {
    d->transport_failed = true;  // nothing fetched: RenewConfirm(FALSE)
    downloading_[cam] = std::move(d);
    return FinishRenewal(cam, now_us);
  }
  for (size_t i = 0; i < v.images().size(); ++i) {
    const protocol::ImageInfo& info = v.images()[i];
    ImageRequest r{h.nonce, i, info.tm, std::nullopt, std::string(info.fn.value_or(""))};
    if (info.ds_ip) {
      r.ds_ip.emplace();
      CopyTo(*r.ds_ip, *info.ds_ip);
    }
    const bool common = v.image_flag == 0x01 || (v.image_flag == 0x03 && i == 0);  // §13.7
    std::array<uint8_t, 20> hash{};
    CopyTo(hash, common ? v.hashed_ccci : v.hashed_icci);
    d->hashes.push_back(hash);
    d->common.push_back(common);
    downloads_->Submit(cam, r);
  }
  d->pending = v.images().size();
  const bool none = d->pending == 0;
  downloading_[cam] = std::move(d);
  if (none) {
    FinishRenewal(cam, now_us);
  }
}

void LoadGenerator::TakeDownloads(int64_t now_us) {
  for (CamDownloads::Done& done : downloads_->Take()) {
    const auto it = downloading_.find(uint32_t(done.member));
    if (it == downloading_.end() || it->second->nonce != done.download ||
        done.index >= it->second->hashes.size()) {
      continue;  // the session ended meanwhile
    }
    Download& d = *it->second;
    Cam& c = cams_[done.member];
    if (!done.object) {
      d.transport_failed = true;
    } else {
      const bool common = d.common[done.index];
      const ImageVerdict verdict =
          CheckImage(*done.object, (common ? c.ccciek : c.icciek).view(),
                     (common ? c.ccciek_iv : c.icciek_iv).view(), d.hashes[done.index]);
      d.integrity_failed = d.integrity_failed || verdict != ImageVerdict::kOk;
    }
    if (--d.pending == 0) {
      FinishRenewal(uint32_t(done.member), now_us);
    }
  }
}

// FinishRenewal answers the RenewInfo once every image is in: Status 0x03 on an integrity
// failure (§17.2), else RenewConfirm(all fetched) and, after TRUE, PurchaseReport if asked.
void LoadGenerator::FinishRenewal(uint32_t cam, int64_t now_us) {
  Cam& c = cams_[cam];
  const auto it = downloading_.find(cam);
  const Download d = std::move(*it->second);
  downloading_.erase(it);
  if (d.integrity_failed) {
    c.renew_answer = kRenewAnswered | kRenewStatus03;
    ++report_.images_failed;
    CheckFailed("image hash or PKCS#7");
  } else if (!d.transport_failed) {
    c.renew_answer = kRenewAnswered | kRenewOk | (d.purchase_report_req ? kRenewPurchase : 0);
    ++report_.renewals_installed;
    report_.purchase_reports += d.purchase_report_req ? 1 : 0;
  } else {
    c.renew_answer = kRenewAnswered;
    ++report_.renewals_declined;
  }
  SendRenewalAnswers(cam);
  report_.latency[size_t(LatencyKind::kRenewal)].Record(uint64_t(now_us - d.started_us));
  c.step = CamStep::kEstablished;
  if (o_.hold_ms <= 0 || c.clone) {
    return EndSession(cam, now_us, false);
  }
  Arm(cam, now_us + o_.hold_ms * 1000);
}

void LoadGenerator::SendRenewalAnswers(uint32_t cam) {
  Cam& c = cams_[cam];
  if ((c.renew_answer & kRenewStatus03) != 0) {
    return SendStatus(cam, 0x03, c.renew_nonce, true);
  }
  Bytes der;
  const bool ok = (c.renew_answer & kRenewOk) != 0;
  if (protocol::Encode(protocol::RenewConfirmContent{c.session_id, ok}, &der)) {
    SendRaw(c.flow, SealKeyed(cam, MessageType::kRenewConfirm, c.renew_nonce, der),
            MessageType::kRenewConfirm);
  }
  if ((c.renew_answer & kRenewPurchase) != 0 &&
      protocol::Encode(protocol::PurchaseReportContent{c.session_id, ByteView(kPurchaseInfo)},
                       &der)) {
    SendRaw(c.flow, SealKeyed(cam, MessageType::kPurchaseReport, c.renew_nonce, der),
            MessageType::kPurchaseReport);
  }
}

void LoadGenerator::OnLogRequest(uint32_t cam, ByteView message, const protocol::Header& h,
                                 int64_t now_us) {
  Cam& c = cams_[cam];
  if (!Live(c.step)) {
    ++report_.stray;
    return;
  }
  const bool duplicate = h.nonce == c.log_nonce && c.log_nonce != 0;
  if (!duplicate) {
    protocol::LogRequestContent v;
    uint8_t status = 0;
    ByteView sid;
    if (!OpenCassRequest(message, c.keys, c.session_id, scratch_, &v, &status, &sid)) {
      CheckFailed("LogRequest");
      if (status != 0) {
        SendStatus(cam, status, h.nonce, true, sid);
        EndSession(cam, now_us, true);
      }
      return;
    }
    c.log_nonce = h.nonce;
    ++report_.log_responses;
  }
  Bytes der;
  if (protocol::Encode(protocol::LogResponseContent{c.session_id, ByteView(kLogInfo)}, &der)) {
    SendRaw(c.flow, SealKeyed(cam, MessageType::kLogResponse, h.nonce, der),
            MessageType::kLogResponse);  // sealing is deterministic: a duplicate gets the same
  }
}

}  // namespace rcas::tools
