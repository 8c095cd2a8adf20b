#pragma once
// CampaignCatalog: the CASS's CampaignSource (control/campaign.h). The operator publishes images
// for a target (HW, SW); common images are encrypted once into the ImageRegistry under a CCCIEK
// pair drawn per object (PROFILE §11.8), individual ones are kept as plaintext for the engine to
// publish per session (§17.1; fast-mode "common" ones too, §22 Q3). deliverVersion is the highest
// published image version << 32 | the deliver_campaign counter of the store (storage/counters.h,
// §16.5). A CAM is due while its renewal records (kRenewal reports, storage/renewal_record.h)
// show no installation of its target's current images under the current campaign, and while a
// purchase-report or log campaign has no report of it since the campaign started (§23 item 14).
// Design and choices: docs/campaign-catalog.md.
//
// Threading: the CampaignSource methods run on the engine thread and never wait for a writer
// (they copy a snapshot pointer under a short lock). PlanFor does one RocksDB prefix read of the
// CAM's reports (memtable / block cache, no fsync; ~µs). OnRenewal submits to the AcService
// without blocking. Publish, Withdraw, SetCampaign and ReloadDeliverCampaign may run on any
// thread; they are serialised among themselves.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "control/ac_service.h"
#include "control/campaign.h"
#include "control/image_registry.h"
#include "storage/ac_store.h"

namespace rcas::control {

// CatalogImage is one image the operator publishes.
struct CatalogImage {
  uint8_t client_type = 0x01;  // RenewInfo numbering (§13.7): 0x01 CAS, 0x02 DRM, 0x03 ASD
  std::string vendor;          // the operator's label; shown, never sent
  uint32_t version = 1;        // image version: deliverVersion's high half (§16.1)
  ImageKind kind = ImageKind::kCommon;
  uint8_t tm = 0x03;  // 0x01 carousel (common only), 0x02 TFTP, 0x03 HTTP
  std::optional<std::array<uint8_t, 16>> ds_ip;  // required unless a carousel common image
  // fn: a common image's object name (a fast-mode CAM gets it per session under fn less any
  // ".bin", "-", hex(sessionID), ".bin"); an individual image's per-session prefix (§17.1).
  std::string fn;
  std::optional<storage::VersionField> target_hw;  // nullopt: any
  std::optional<storage::VersionField> target_sw;
  std::shared_ptr<const Bytes> plaintext;
  // keys: kCommon only, the object's CCCIEK pair when the caller keeps one across restarts (a
  // CAM keyed before a restart must still decrypt the object, §11.8); nullopt: drawn here.
  std::optional<CommonImageKeys> keys;
};

// CatalogCampaign: what runs besides image delivery (§23 items 14, 21). Start one after the
// announce scheduler has bumped the deliver campaign (AnnounceScheduler::StartRenewal).
struct CatalogCampaign {
  bool purchase_report = false;  // RenewInfo with purchaseReport-Req, images re-delivered
  bool log = false;              // LogRequest after the renewal
};

struct CatalogStats {
  uint64_t plans = 0;
  uint64_t read_errors = 0;      // reports not readable: no plan this session
  uint64_t kind_conflicts = 0;   // matching common and individual images of two client types
  uint64_t reports_sent = 0;     // renewal records handed to the AC
  uint64_t reports_dropped = 0;  // AC queue full
  uint64_t report_errors = 0;    // the AC could not store one
};

class CampaignCatalog : public CampaignSource {
 public:
  struct Options {
    crypto::CassId cass_id{};               // stamped on the renewal records
    std::function<uint64_t()> unix_now_ms;  // default: the system clock
  };
  // Create reads the deliver campaign counter. `store`, `ac` and `registry` must outlive it.
  static Result<std::unique_ptr<CampaignCatalog>> Create(storage::AcStore& store, AcService& ac,
                                                         ImageRegistry& registry, Options options);
  // ~CampaignCatalog waits (bounded) for the renewal records still at the AC.
  ~CampaignCatalog() override;
  CampaignCatalog(const CampaignCatalog&) = delete;
  CampaignCatalog& operator=(const CampaignCatalog&) = delete;

  // Publish adds `image`, replacing the one of the same kind and target. A common image is
  // encrypted into the registry under its `keys` or a fresh CCCIEK pair (an object replaced under
  // another fn is removed; transfers in progress keep theirs). Errors: bad fields, bad fn, a client
  // type other than that of the other kind's image for the same target.
  Status Publish(const CatalogImage& image);
  // Withdraw removes the image of that kind and target; false if there was none.
  bool Withdraw(ImageKind kind, const std::optional<storage::VersionField>& target_hw,
                const std::optional<storage::VersionField>& target_sw);
  // ReloadDeliverCampaign re-reads the counter after the operator bumped it.
  Status ReloadDeliverCampaign();
  // SetCampaign starts (or, all false, stops) a purchase-report / log campaign now; it re-reads
  // the deliver campaign counter first.
  Status SetCampaign(CatalogCampaign campaign);

  uint64_t DeliverVersion(const crypto::CamId& cam) override;
  CommonImageKeys CommonKeys(const CamFacts& cam) override;
  std::optional<RenewalPlan> PlanFor(const CamFacts& cam) override;
  void OnRenewal(const CamFacts& cam, RenewalOutcome outcome) override;

  CatalogStats stats() const;
  size_t images() const;

 private:
  struct Entry {
    CatalogImage image;
    crypto::Sha1Digest sha1{};  // of the plaintext: hashed-CCCI / hashed-ICCI (§13.7)
    CommonImageKeys keys;       // kCommon: the object's CCCIEK pair (§11.8)
  };
  // Snapshot is immutable once installed; writers build the next one.
  struct Snapshot {
    std::vector<Entry> entries;  // a handful of targets: linear search
    uint32_t release = 0;        // the highest image version
    uint64_t campaign = 0;       // deliver_campaign
    CatalogCampaign running;
    uint64_t running_since_ms = 0;
    CommonImageKeys current;  // of the last common object published (sent when none matches)
    // Match is the most specific image of `kind` whose target admits (hw, sw); null if none.
    const Entry* Match(ImageKind kind, const storage::VersionField& hw,
                       const storage::VersionField& sw) const;
    Entry* Same(const CatalogImage& image);  // same kind and target
  };
  // History is what the CAM's reports say (oldest first).
  struct History {
    std::optional<uint64_t> installed;  // deliverVersion of the last RenewConfirm(TRUE)
    bool purchase_since = false;        // a purchase report since the campaign started
    bool log_since = false;
  };
  CampaignCatalog(storage::AcStore& store, AcService& ac, ImageRegistry& registry, Options options);
  std::shared_ptr<const Snapshot> Current() const;
  void Install(std::shared_ptr<const Snapshot> next);
  std::optional<History> ReadHistory(const crypto::CamId& cam, const Snapshot& snap);
  void DrainReports();

  storage::AcStore& store_;
  AcService& ac_;
  ImageRegistry& registry_;
  Options options_;
  std::mutex writer_mu_;            // Publish, Withdraw, SetCampaign, Reload
  mutable std::mutex snapshot_mu_;  // only the pointer swap / copy
  std::shared_ptr<const Snapshot> snapshot_;
  std::unique_ptr<CompletionQueue> reports_cq_;
  std::vector<AcResult> drained_;
  uint64_t in_flight_ = 0;  // engine thread
  std::atomic<uint64_t> plans_{0};
  std::atomic<uint64_t> read_errors_{0};
  std::atomic<uint64_t> kind_conflicts_{0};
  std::atomic<uint64_t> reports_sent_{0};
  std::atomic<uint64_t> reports_dropped_{0};
  std::atomic<uint64_t> report_errors_{0};
};

}  // namespace rcas::control
