#pragma once
// CassdConfig: everything rcas-cassd reads from its TOML file (docs/cassd.md has the reference).
// Defaults are the profile's where it gives one (ports §5.1/§5.2/§13.7, intervals §5.1, Annex C
// §16.4); unknown keys and bad values are errors that name the key.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "control/annex_c.h"
#include "control/announce.h"
#include "crypto/result.h"
#include "crypto/x509.h"
#include "dataplane/dpdk_transport.h"
#include "dataplane/kernel_transport.h"
#include "storage/cam_record.h"

namespace rcas::tools::cassd {

// ImageConfig is one image of the campaign catalog ([[images.image]], docs/campaign-catalog.md).
struct ImageConfig {
  std::string file;            // plaintext on disk
  std::string fn;              // the published name (individual: prefix + hex(sessionID) + .bin)
  uint8_t client_type = 0x01;  // RenewInfo numbering (§13.7): 1 CAS, 2 DRM, 3 ASD
  std::string vendor;          // the operator's label; logged, never sent
  uint32_t version = 1;        // image version: high half of deliverVersion (§16.1)
  bool individual = false;     // encrypted per session (§17.1) or once for all (common)
  uint8_t tm = 0x03;           // 0x02 TFTP, 0x03 HTTP (no carousel here)
  std::string ds_ip;           // where CAMs fetch it (dSIP): given, or this daemon's server
  std::optional<storage::VersionField> target_hw;  // nullopt: any
  std::optional<storage::VersionField> target_sw;
};

// DpdkConfig: [dpdk], UDP on a DPDK port instead of kernel sockets (docs/dataplane.md).
struct DpdkConfig {
  std::vector<std::string> eal;  // EAL arguments (lcores, --vdev/-a, --file-prefix, ...)
  dataplane::DpdkOptions port;
};

struct CassdConfig {
  // [cass]
  crypto::CassId cass_id{};
  std::string certificate;
  std::string key;
  std::string ac_root;
  std::string state_dir = "/var/lib/rcas-cassd";
  bool fast_mode = false;  // the protocolTypeFlag announced (§13.1)
  uint64_t drain_ms = 30'000;
  bool verify_on_rsa_workers = false;  // first-request checks on the RSA threads
  std::string control_socket;          // the operator socket; default <state_dir>/control.sock
  // [listen]
  std::vector<std::string> udp = {"0.0.0.0"};
  std::vector<std::string> tcp = {"0.0.0.0"};
  uint16_t port = 49104;  // §5.2
  std::string address;    // cASSIPAddr announced; default: the first listen address
  bool announce_tcp = false;
  size_t max_connections = 4096;
  // [announce]
  std::vector<dataplane::Endpoint> announce_targets;  // groups and unicast targets
  control::AnnounceOptions announce;
  dataplane::MulticastOptions multicast;
  std::vector<control::ClientOffer> offers;
  // [ac]
  std::string db;
  std::string root_key;  // signs sIGN-kpk; "" = no new pairings
  control::AnnexCPolicy policy;
  size_t ac_workers = 1;
  size_t c1_cache = size_t{1} << 18;  // CAMs in the mode C1 cache; 0 turns it off
  // [rsa]
  int rsa_workers = 1;
  size_t rsa_queue = 4096;
  // [images]
  std::vector<dataplane::Endpoint> http;
  std::vector<dataplane::Endpoint> tftp;
  std::vector<ImageConfig> images;
  bool purchase_report_req = false;
  bool log_request = false;
  // [dpdk]: absent = kernel sockets only
  std::optional<DpdkConfig> dpdk;
  // [log]
  std::string log_level = "info";
  std::string log_format = "kv";  // kv | json
  std::string log_file;           // "" = stderr
};

// LoadConfig parses and checks `path`; the error names the file and the key.
Result<CassdConfig> LoadConfig(const std::string& path);

// ImageFromWords reads the image of a control socket `image publish`: `file` and KEY=VALUE words
// with the keys of [[images.image]] (fn, kind, version, tm, ...), checked as the config checks
// them against `config` (the dSIP default comes from its servers). The error names the key.
Result<ImageConfig> ImageFromWords(const std::string& file, const std::vector<std::string>& words,
                                   const CassdConfig& config);

// ParseHostPort reads "1.2.3.4:5", "[::1]:5" (or a bare address with `default_port`).
bool ParseHostPort(const std::string& s, uint16_t default_port, dataplane::Endpoint* out);

}  // namespace rcas::tools::cassd
