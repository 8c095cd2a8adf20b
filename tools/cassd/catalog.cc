// rcas-cassd's [[images.image]] entries into the campaign catalog (docs/cassd.md, "Images").

#include "tools/cassd/catalog.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

namespace rcas::tools::cassd {
namespace {

Result<std::shared_ptr<const Bytes>> ReadImage(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    return Error{"not a regular file"};  // a FIFO could block the reader for ever
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{"cannot be read"};
  }
  auto data =
      std::make_shared<Bytes>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (data->empty()) {
    return Error{"empty"};
  }
  return std::shared_ptr<const Bytes>(std::move(data));
}

// DsIp is dSIP: IPv6, or IPv4 mapped (§13.7). The config checked it is a numeric address.
std::array<uint8_t, 16> DsIp(const std::string& s) {
  std::array<uint8_t, 16> out{};
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) {
    return out;
  }
  out[10] = 0xff;
  out[11] = 0xff;
  inet_pton(AF_INET, s.c_str(), out.data() + 12);
  return out;
}

}  // namespace

Result<std::unique_ptr<control::CampaignCatalog>> BuildCatalog(const CassdConfig& config,
                                                               storage::AcStore& store,
                                                               control::AcService& ac,
                                                               control::ImageRegistry& registry,
                                                               CommonKeyFile& keys) {
  control::CampaignCatalog::Options options;
  options.cass_id = config.cass_id;
  auto catalog = control::CampaignCatalog::Create(store, ac, registry, std::move(options));
  if (!catalog.ok()) {
    return Error{catalog.error()};
  }
  for (const ImageConfig& i : config.images) {
    if (Status s = PublishImage(**catalog, i, keys); !s.ok()) {
      return Error{s.error()};
    }
  }
  if (Status s = keys.Retain(); !s.ok()) {
    return Error{s.error()};
  }
  return std::move(*catalog);
}

Status PublishImage(control::CampaignCatalog& catalog, const ImageConfig& i, CommonKeyFile& keys) {
  auto data = ReadImage(i.file);
  if (!data.ok()) {
    return Error{"image " + i.file + ": " + data.error()};
  }
  control::CatalogImage image;
  image.client_type = i.client_type;
  image.vendor = i.vendor;
  image.version = i.version;
  image.kind = i.individual ? control::ImageKind::kIndividual : control::ImageKind::kCommon;
  image.tm = i.tm;
  image.ds_ip = DsIp(i.ds_ip);
  image.fn = i.fn;
  image.target_hw = i.target_hw;
  image.target_sw = i.target_sw;
  image.plaintext = *data;
  if (Status s = keys.Assign(image); !s.ok()) {
    return Error{"image " + i.file + ": " + s.error()};
  }
  if (Status s = catalog.Publish(image); !s.ok()) {
    return Error{"image " + i.file + ": " + s.error()};
  }
  return OkStatus();
}

std::vector<std::pair<std::string_view, std::string>> ImageFields(const ImageConfig& i) {
  const auto target = [](const std::optional<storage::VersionField>& v) {
    return v ? ToHex(*v) : std::string("any");
  };
  return {{"fn", i.fn},
          {"kind", i.individual ? "individual" : "common"},
          {"client_type", std::to_string(i.client_type)},
          {"vendor", i.vendor},
          {"version", std::to_string(i.version)},
          {"tm", i.tm == 0x02 ? "tftp" : "http"},
          {"ds_ip", i.ds_ip},
          {"target_hw", target(i.target_hw)},
          {"target_sw", target(i.target_sw)}};
}

const char* RenewalOutcomeName(control::RenewalOutcome outcome) {
  switch (outcome) {
    case control::RenewalOutcome::kInstalled:
      return "installed";
    case control::RenewalOutcome::kDownloadFailed:
      return "download-failed";
    case control::RenewalOutcome::kHashFailed:
      return "hash-failed";
    case control::RenewalOutcome::kAborted:
      break;
  }
  return "aborted";
}

}  // namespace rcas::tools::cassd
