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
  t.Finish();
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

void ReadImage(TomlSection t, ImageConfig& image) {
  t.String("file", &image.file);
  t.String("fn", &image.fn);
  if (t.ok() && (image.file.empty() || image.fn.empty())) {
    t.Fail(image.file.empty() ? "file" : "fn", "is required");
  }
  t.Int("client_type", 1, 3, &image.client_type);
  t.Int("version", 0, 0xFFFFFFFFll, &image.version);
  std::string kind = "common";
  t.String("kind", &kind);
  if (kind != "common" && kind != "individual") {
    t.Fail("kind", "must be \"common\" or \"individual\"");
  }
  image.individual = kind == "individual";
  std::string tm = "http";
  t.String("tm", &tm);
  if (tm != "http" && tm != "tftp") {
    t.Fail("tm", "must be \"http\" or \"tftp\" (§13.7; the carousel is not served here)");
  }
  image.tm = tm == "tftp" ? 0x02 : 0x03;
  t.String("ds_ip", &image.ds_ip);
  if (!IsAddress(image.ds_ip)) {  // an HTTP or TFTP image names its server (§13.7)
    t.Fail("ds_ip", "is required: the numeric address CAMs fetch the image from");
  }
  t.Finish();
}

}  // namespace

void ReadImages(TomlSection t, CassdConfig& c) {
  ReadEndpoints(t, "http", 80, &c.http);  // §13.7 ports
  ReadEndpoints(t, "tftp", 69, &c.tftp);
  t.Bool("purchase_report", &c.purchase_report_req);
  t.Bool("log_request", &c.log_request);
  std::string error;
  for (const auto& table : t.Tables("image")) {
    ReadImage(TomlSection(table, "images.image", &error), c.images.emplace_back());
    if (!error.empty()) {
      t.Fail("image", error);
    }
  }
  size_t common = 0;
  size_t individual = 0;
  for (const ImageConfig& i : c.images) {
    (i.individual ? individual : common) += 1;
  }
  if (common > 1 || individual > 1) {
    t.Fail("image", "at most one common and one individual image (one RenewInfo, §13.7)");
  }
  t.Finish();
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
