// rcas-cassd's config: the [ac], [rsa], [images] and [log] sections (docs/cassd.md).

#include "tools/cassd/config_sections.h"

namespace rcas::tools::cassd {

void ReadAc(TomlSection t, CassdConfig& c) {
  t.String("db", &c.db);
  if (t.ok() && c.db.empty()) {
    t.Fail("db", "is required (the AC store made by rcasctl ac init)");
  }
  t.String("root_key", &c.root_key);
  std::string annex_c = "C1";
  t.String("annex_c", &annex_c);
  if (annex_c != "C1" && annex_c != "C2") {
    t.Fail("annex_c", "must be \"C1\" or \"C2\" (§16.5)");
  }
  c.policy.mode = annex_c == "C1" ? control::AnnexCMode::kC1 : control::AnnexCMode::kC2;
  t.Int("operator_limit", 1, 1'000'000, &c.policy.operator_limit);
  t.Int("workers", 1, 64, &c.ac_workers);
  t.Int("c1_cache", 0, 1 << 26, &c.c1_cache);  // ~0.5 KiB a CAM (docs/cass-engine.md)
  t.Finish();
}

void ReadDpdk(TomlSection t, CassdConfig& c) {
  if (!t.present()) {
    return;
  }
  DpdkConfig d;
  t.Strings("eal", &d.eal);
  t.String("port", &d.port.device);
  if (t.ok() && d.port.device.empty()) {
    t.Fail("port", "is required (a --vdev name or a PCI address given to the EAL)");
  }
  t.String("address", &d.port.address);
  t.String("address6", &d.port.address6);
  for (const char* key : {"address", "address6"}) {
    const std::string& a = key[7] == '6' ? d.port.address6 : d.port.address;
    if (!a.empty() && (!IsAddress(a) || (a.find(':') != std::string::npos) != (key[7] == '6'))) {
      t.Fail(key, "'" + a + "' is not a numeric IPv" + (key[7] == '6' ? "6" : "4") + " address");
    }
  }
  if (t.ok() && d.port.address.empty() && d.port.address6.empty()) {
    t.Fail("address", "the port needs an address or address6");
  }
  t.Int("workers", 0, 128, &d.port.workers);
  t.Int("vlan", 0, 4094, &d.port.vlan);
  t.Int("mbufs", 1023, 1 << 22, &d.port.mbufs);
  t.Int("flows", 64, 1 << 24, &d.port.flows);
  t.Int("idle_sleep_us", 0, 100'000, &d.port.idle_sleep_us);
  t.Int("tx_drain_us", 0, 100'000, &d.port.tx_drain_us);
  t.Bool("checksum_offload", &d.port.checksum_offload);
  t.Int("shed_first_requests_at", 1, 4096, &d.port.shed_first_requests_at);
  t.Finish();
  c.dpdk = std::move(d);
}

void ReadRsa(TomlSection t, CassdConfig& c) {
  t.Int("workers", 1, 256, &c.rsa_workers);
  t.Int("queue", 1, 1 << 24, &c.rsa_queue);
  t.Finish();
}

namespace {

void ReadEndpoints(TomlSection& t, const char* key, uint16_t port,
                   std::vector<dataplane::Endpoint>* out) {
  std::vector<std::string> list;
  t.Strings(key, &list);
  out->clear();
  for (const std::string& s : list) {
    dataplane::Endpoint e;
    if (!ParseHostPort(s, port, &e)) {
      t.Fail(key, "'" + s + "' is not ADDRESS, ADDRESS:PORT or [ADDRESS6]:PORT");
    }
    out->push_back(e);
  }
}

// ReadTarget reads a target version field: "any" (the default) or 8 hex digits.
void ReadTarget(TomlSection& t, const char* key, std::optional<storage::VersionField>* out) {
  std::string v = "any";
  t.String(key, &v);
  storage::VersionField f{};
  if (v == "any") {
    out->reset();
  } else if (ParseHex(v, f.data(), f.size())) {
    *out = f;
  } else {
    t.Fail(key, "must be \"any\" or 8 hex digits");
  }
}

// OwnServer is the dSIP of this daemon's HTTP or TFTP server: its first address, or
// [listen].address when that is a wildcard of the same family; "" when there is none.
std::string OwnServer(const std::vector<dataplane::Endpoint>& servers, const std::string& listen) {
  if (servers.empty()) {
    return "";
  }
  const std::string& a = servers.front().address;
  if (a != "0.0.0.0" && a != "::") {
    return a;
  }
  const bool v6 = listen.find(':') != std::string::npos;
  return v6 == (a == "::") ? listen : "";
}

void ReadImage(TomlSection t, const CassdConfig& c, ImageConfig& image) {
  t.String("file", &image.file);
  t.String("fn", &image.fn);
  if (t.ok() && (image.file.empty() || image.fn.empty())) {
    t.Fail(image.file.empty() ? "file" : "fn", "is required");
  }
  t.Int("client_type", 1, 3, &image.client_type);
  t.String("vendor", &image.vendor);
  t.Int("version", 0, 0xFFFFFFFFll, &image.version);
  std::string kind = "common";
  t.String("kind", &kind);
  if (kind != "common" && kind != "individual") {
    t.Fail("kind", "must be \"common\" or \"individual\"");
  }
  image.individual = kind == "individual";
  std::string tm = "http";
  t.String("tm", &tm);
  if (tm == "carousel") {
    t.Fail("tm",
           "the carousel (tm 1, §13.7) is not served by rcas-cassd: use \"http\" or \"tftp\"");
  } else if (tm != "http" && tm != "tftp") {
    t.Fail("tm", "must be \"http\" or \"tftp\" (§13.7)");
  }
  image.tm = tm == "tftp" ? 0x02 : 0x03;
  t.String("ds_ip", &image.ds_ip);
  if (!t.Has("ds_ip")) {  // default: this daemon's own server for the image's tm
    image.ds_ip = OwnServer(image.tm == 0x02 ? c.tftp : c.http, c.address);
  }
  if (!IsAddress(image.ds_ip)) {  // an HTTP or TFTP image names its server (§13.7)
    t.Fail("ds_ip", t.Has("ds_ip")
                        ? "must be a numeric address"
                        : "is required: no [images] server for this tm gives a default address");
  }
  ReadTarget(t, "target_hw", &image.target_hw);
  ReadTarget(t, "target_sw", &image.target_sw);
  t.Finish();
}

// CheckTargets: one image per (kind, target), one clientType per target (a RenewInfo carries
// one, §13.7), one target per common object name; the catalog refuses the same at start.
void CheckTargets(TomlSection& t, const std::vector<ImageConfig>& images) {
  for (size_t i = 0; i < images.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const ImageConfig& a = images[i];
      const ImageConfig& b = images[j];
      const bool same_target = a.target_hw == b.target_hw && a.target_sw == b.target_sw;
      const std::string which = "images " + std::to_string(j + 1) + " and " + std::to_string(i + 1);
      if (same_target && a.individual == b.individual) {
        t.Fail("image", which + ": same kind and target (one image per kind and target)");
      } else if (same_target && a.client_type != b.client_type) {
        t.Fail("image", which + ": one target, two client types (one RenewInfo, §13.7)");
      } else if (!same_target && !a.individual && !b.individual && a.fn == b.fn) {
        t.Fail("image", which + ": two targets' common images under one fn");
      }
    }
  }
}

}  // namespace

void ReadImages(TomlSection t, CassdConfig& c) {
  ReadEndpoints(t, "http", 80, &c.http);  // §13.7 ports
  ReadEndpoints(t, "tftp", 69, &c.tftp);
  t.Bool("purchase_report", &c.purchase_report_req);
  t.Bool("log_request", &c.log_request);
  std::string error;
  for (const auto& table : t.Tables("image")) {
    ReadImage(TomlSection(table, "images.image", &error), c, c.images.emplace_back());
    if (!error.empty()) {
      t.Fail("image", error);
    }
  }
  CheckTargets(t, c.images);
  t.Finish();
}

Result<ImageConfig> ImageFromWords(const std::string& file, const std::vector<std::string>& words,
                                   const CassdConfig& config) {
  auto table = cpptoml::make_table();
  table->insert("file", file);
  for (const std::string& w : words) {
    const size_t eq = w.find('=');
    const std::string key = w.substr(0, eq);
    if (eq == std::string::npos || eq == 0 || table->contains(key)) {
      return Error{"'" + w +
                   "': " + (eq == std::string::npos || eq == 0 ? "not KEY=VALUE" : "twice")};
    }
    const std::string value = w.substr(eq + 1);
    const bool number = !value.empty() && value.size() <= 18 &&
                        value.find_first_not_of("0123456789") == std::string::npos;
    if (number && (key == "version" || key == "client_type")) {
      table->insert(key, static_cast<int64_t>(std::stoll(value)));
    } else {
      table->insert(key, value);
    }
  }
  std::string error;
  ImageConfig image;
  ReadImage(TomlSection(table, "image", &error), config, image);
  if (!error.empty()) {
    return Error{error};
  }
  return image;
}

void ReadLog(TomlSection t, CassdConfig& c) {
  t.String("level", &c.log_level);
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error") {
    t.Fail("level", "must be debug, info, warn or error");
  }
  t.String("format", &c.log_format);
  if (c.log_format != "kv" && c.log_format != "json") {
    t.Fail("format", "must be \"kv\" or \"json\"");
  }
  t.String("file", &c.log_file);
  t.Finish();
}

}  // namespace rcas::tools::cassd
