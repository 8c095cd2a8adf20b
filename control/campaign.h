#pragma once
// What the CASS engine asks the campaign side during a session's renewal phase (PROFILE §13.7,
// §16.1, §17): which images a CAM should get, the deliverVersion of its authentication, the
// common image keys for CAMRegConfirm, and where per-session image objects are published. Both
// interfaces are called on the engine's thread and must not block.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/secret.h"
#include "crypto/x509.h"
#include "protocol/key_schedule.h"
#include "protocol/session_keys.h"
#include "storage/ac_store.h"
#include "storage/cam_record.h"

namespace rcas::control {

// CampaignImage is one image of a RenewInfo (ImageInfo, §13.7).
struct CampaignImage {
  uint8_t tm = 0x03;                             // 0x01 carousel, 0x02 TFTP, 0x03 HTTP
  std::optional<std::array<uint8_t, 16>> ds_ip;  // IPv6, IPv4 mapped
  // fn: for a normal-mode common image, the published object's name; for an image encrypted
  // per session (individual, or a fast-mode "common" one, §22 Q3), the prefix the engine
  // completes with the sessionID in hex and ".bin" (fn unique per session, §17.1).
  std::string fn;
  std::shared_ptr<const Bytes> plaintext;  // needed when encrypted per session
  crypto::Sha1Digest sha1{};               // of the plaintext: hashed-CCCI / hashed-ICCI
};

// RenewalPlan is what is due for one CAM. RenewInfo needs at least one image; a plan that asks
// only for purchase reports re-delivers the campaign's images (§23 item 14).
struct RenewalPlan {
  uint8_t client_type = 0x01;  // RenewInfo numbering: 0x01 CAS, 0x02 DRM, 0x03 ASD
  std::optional<CampaignImage> common;
  std::optional<CampaignImage> individual;
  bool purchase_report_req = false;
  std::optional<Bytes> directives;
  bool log_request = false;  // LogRequest once the renewal (if any) is done

  bool has_images() const { return common.has_value() || individual.has_value(); }
};

// CamFacts identify the CAM a question is about.
struct CamFacts {
  crypto::CamId cam_id{};
  storage::SessionId session_id{};
  protocol::KeyMode mode = protocol::KeyMode::kNormal;
  storage::VersionField hw{};
  storage::VersionField sw{};
  uint64_t deliver_version = 0;  // the one the session asked the AC with (§16.1)
};

enum class RenewalOutcome : uint8_t {
  kInstalled,       // RenewConfirm(TRUE)
  kDownloadFailed,  // RenewConfirm(FALSE)
  kHashFailed,      // Status 0x03 twice (§15.4)
  kAborted,         // another Status, a bad MAC or a timeout
};

// CommonImageKeys is the CCCIEK pair of the current common object (§11.8).
struct CommonImageKeys {
  crypto::AesKey ccciek;
  protocol::SecretBlock ccciek_iv;
};

class CampaignSource {
 public:
  virtual ~CampaignSource() = default;
  // DeliverVersion is the deliverVersion the AC compares (§16.1, §16.5).
  virtual uint64_t DeliverVersion(const crypto::CamId& cam) = 0;
  // CommonKeys is the pair a normal-mode CAMRegConfirm carries (§11.8): that of the common object
  // the CAM's plan would deliver (`cam` has its CAMReg HW/SW), else the current one.
  virtual CommonImageKeys CommonKeys(const CamFacts& cam) = 0;
  // PlanFor says what is due for an established session; nullopt: nothing.
  virtual std::optional<RenewalPlan> PlanFor(const CamFacts& cam) = 0;
  // OnRenewal reports how a RenewInfo ended.
  virtual void OnRenewal(const CamFacts& cam, RenewalOutcome outcome) = 0;
};

// ImagePublisher takes the objects encrypted per session (§17.1): the server encrypts
// `plaintext` under key/iv when a CAM fetches `fn`, until expires_ms (Unix ms).
// RegistryPublisher (control/image_publisher.h) puts them in the image servers' registry.
class ImagePublisher {
 public:
  virtual ~ImagePublisher() = default;
  virtual void PublishIndividual(const std::string& fn, std::shared_ptr<const Bytes> plaintext,
                                 const crypto::AesKey& key, const protocol::SecretBlock& iv,
                                 uint64_t expires_ms) = 0;
};

}  // namespace rcas::control
