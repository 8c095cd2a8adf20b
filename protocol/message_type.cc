#include "protocol/message_type.h"

namespace rcas::protocol {

std::string_view MessageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kRcasAnnounce:
      return "RCASAnnounce";
    case MessageType::kRcasRenewal:
      return "RCASRenewal";
    case MessageType::kKeyRequest:
      return "KeyRequest";
    case MessageType::kKeyResponse:
      return "KeyResponse";
    case MessageType::kCamReg:
      return "CAMReg";
    case MessageType::kCamRegConfirm:
      return "CAMRegConfirm";
    case MessageType::kRenewInfo:
      return "RenewInfo";
    case MessageType::kRenewConfirm:
      return "RenewConfirm";
    case MessageType::kPurchaseReport:
      return "PurchaseReport";
    case MessageType::kStatus:
      return "Status";
    case MessageType::kLogRequest:
      return "LogRequest";
    case MessageType::kLogResponse:
      return "LogResponse";
    case MessageType::kKeyRegRequest:
      return "KeyRegRequest";
    case MessageType::kKeyRegResponse:
      return "KeyRegResponse";
  }
  return "Unknown";
}

std::string_view StatusCodeName(uint8_t code) {
  switch (code) {
    case 0x01:
      return "CAM-DSC ID validation fail";
    case 0x02:
      return "MEK/ICCIEK hash verification fail";
    case 0x03:
      return "CCI hash verification fail";
    case 0x04:
      return "HMAC verification fail";
    case 0x05:
      return "RSA signature verification fail";
    case 0x80:
      return "AC refused";
    case 0x81:
      return "malformed";
    case 0x82:
      return "unexpected message or session";
    case 0x83:
      return "busy, retry later";
    case 0x84:
      return "decryption failure";
    default:
      return "unknown failure";
  }
}

}  // namespace rcas::protocol
