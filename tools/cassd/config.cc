// rcas-cassd's TOML config: sections, defaults and checks (docs/cassd.md, "Configuration").

#include "tools/cassd/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "tools/cassd/config_sections.h"

namespace rcas::tools::cassd {

bool ParseHex(const std::string& s, uint8_t* out, size_t n) {
  if (s.size() != 2 * n) {
    return false;
  }
  for (size_t i = 0; i < n; ++i) {
    unsigned v = 0;
    for (size_t j = 0; j < 2; ++j) {
      const char c = s[2 * i + j];
      if (!std::isxdigit(static_cast<unsigned char>(c))) {
        return false;
      }
      v = v * 16 +
          static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(c))
                                    ? c - '0'
                                    : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    }
    out[i] = static_cast<uint8_t>(v);
  }
  return true;
}

bool IsAddress(const std::string& s) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  return dataplane::ParseSocketAddress({s, 0}, &ss, &len);
}

namespace {

void ReadCass(TomlSection t, CassdConfig& c) {
  std::string id;
  t.String("id", &id);
  if (t.ok() && !ParseHex(id, c.cass_id.data(), c.cass_id.size())) {
    t.Fail("id", "must be the CASS_ID in 8 hex digits (required)");
  }
  for (const char* key : {"certificate", "key", "ac_root"}) {
    std::string* out = key[0] == 'c' ? &c.certificate : key[0] == 'k' ? &c.key : &c.ac_root;
    t.String(key, out);
    if (t.ok() && out->empty()) {
      t.Fail(key, "is required (a PEM file)");
    }
  }
  t.String("state_dir", &c.state_dir);
  std::string mode = "normal";
  t.String("mode", &mode);
  if (mode != "normal" && mode != "fast") {
    t.Fail("mode", "must be \"normal\" or \"fast\"");
  }
  c.fast_mode = mode == "fast";
  uint64_t drain_s = c.drain_ms / 1000;
  t.Int("drain_seconds", 0, 3600, &drain_s);
  c.drain_ms = drain_s * 1000;
  t.Bool("verify_on_rsa_workers", &c.verify_on_rsa_workers);
  t.String("control_socket", &c.control_socket);
  if (c.control_socket.empty()) {
    c.control_socket = c.state_dir + "/control.sock";
  }
  if (c.control_socket.size() > 107) {  // sockaddr_un.sun_path
    t.Fail("control_socket", "must be a path of at most 107 characters");
  }
  t.Finish();
}

void ReadListen(TomlSection t, CassdConfig& c) {
  if (c.dpdk && !t.Has("udp")) {
    c.udp.clear();  // UDP is served on the DPDK port; kernel UDP only when asked for
  }
  t.Strings("udp", &c.udp);
  t.Strings("tcp", &c.tcp);
  for (const char* key : {"udp", "tcp"}) {
    for (const std::string& a : key[0] == 'u' ? c.udp : c.tcp) {
      if (!IsAddress(a)) {
        t.Fail(key, "'" + a + "' is not a numeric IPv4 or IPv6 address");
      }
    }
  }
  t.Int("port", 1, 65535, &c.port);
  t.String("address", &c.address);
  std::string connection = "udp";
  t.String("connection", &connection);
  if (connection != "udp" && connection != "tcp") {
    t.Fail("connection", "must be \"udp\" or \"tcp\" (cASSConnectionType announced)");
  }
  c.announce_tcp = connection == "tcp";
  t.Int("max_connections", 1, 1 << 20, &c.max_connections);
  if (c.address.empty() && c.dpdk) {
    c.address = c.dpdk->port.address.empty() ? c.dpdk->port.address6 : c.dpdk->port.address;
  }
  if (c.address.empty() && !c.udp.empty()) {
    c.address = c.udp.front();
  }
  if (c.address == "0.0.0.0" || c.address == "::" || c.address.empty()) {
    t.Fail("address", "is required when listening on a wildcard (the cASSIPAddr CAMs connect to)");
  } else if (c.address.size() > 50 || !IsAddress(c.address)) {
    t.Fail("address", "must be a numeric address of at most 50 characters (§13.1)");
  }
  if (c.announce_tcp ? c.tcp.empty() : (c.udp.empty() && !c.dpdk)) {
    t.Fail("connection", "announces a transport with no listen address");
  }
  t.Finish();
}

void ReadAnnounce(TomlSection t, CassdConfig& c) {
  std::vector<std::string> groups = {"239.255.103.1", "ff15::103"};  // §5.1
  std::vector<std::string> unicast;
  uint16_t port = 49103;
  t.Strings("groups", &groups);
  t.Int("port", 1, 65535, &port);
  t.Strings("unicast", &unicast);
  for (const std::string& g : groups) {
    if (!IsAddress(g)) {
      t.Fail("groups", "'" + g + "' is not a numeric address");
    }
    c.announce_targets.push_back({g, port});
  }
  for (const std::string& u : unicast) {
    dataplane::Endpoint e;
    if (!ParseHostPort(u, port, &e)) {
      t.Fail("unicast", "'" + u + "' is not ADDRESS, ADDRESS:PORT or [ADDRESS6]:PORT");
    }
    c.announce_targets.push_back(e);
  }
  uint64_t interval = 10;
  t.Int("interval_seconds", 1, 60, &interval);  // §5.1
  c.announce.announce_interval_ms = interval * 1000;
  t.Int("ttl", 1, 255, &c.multicast.ttl);
  t.Bool("loop", &c.multicast.loop);
  t.String("interface", &c.multicast.interface_v4);
  t.String("interface6", &c.multicast.interface_v6);
  if (!c.multicast.interface_v4.empty() && !IsAddress(c.multicast.interface_v4)) {
    t.Fail("interface", "must be the IPv4 address of the interface");
  }
  for (const auto& offer : t.Tables("offer")) {
    control::ClientOffer& o = c.offers.emplace_back();
    std::string hw = "00000000";
    std::string sw = "00000000";
    auto ohw = offer->get_as<std::string>("hw");
    auto osw = offer->get_as<std::string>("sw");
    if ((offer->contains("hw") && !ohw) || (offer->contains("sw") && !osw) ||
        !ParseHex(ohw.value_or(hw), o.hw.data(), 4) ||
        !ParseHex(osw.value_or(sw), o.sw.data(), 4)) {
      t.Fail("offer", "hw and sw must be 8 hex digits");
    }
    auto clients = offer->get_table_array("clients");
    for (const auto& ct :
         clients ? clients->get() : std::vector<std::shared_ptr<cpptoml::table>>{}) {
      protocol::CamClientInfo info;
      const auto type = ct->get_as<int64_t>("type");
      const auto priority = ct->get_as<int64_t>("priority");
      const auto vendor = ct->get_as<int64_t>("vendor");
      const auto version = ct->get_as<int64_t>("version");
      if (!type || *type < 1 || *type > 255 || !vendor || *vendor < 0 || *vendor > 0xFFFF ||
          !version || *version < 0 || *version > 0xFFFF ||
          (priority && (*priority < 0 || *priority > 255))) {
        t.Fail("offer",
               "each client needs type (1..255), vendor and version (0..65535), "
               "optional priority (0..255)");
        break;
      }
      info.client_type = static_cast<uint8_t>(*type);
      info.client_priority = static_cast<uint8_t>(priority.value_or(0));
      info.client_vendor = static_cast<uint16_t>(*vendor);
      info.client_version = static_cast<uint16_t>(*version);
      o.clients.push_back(info);
    }
    for (const auto& [key, value] : *offer) {
      if (key != "hw" && key != "sw" && key != "clients") {
        t.Fail("offer", "unknown key '" + key + "'");
      }
    }
  }
  t.Finish();
}

}  // namespace

Result<CassdConfig> LoadConfig(const std::string& path) {
  std::shared_ptr<cpptoml::table> root;
  try {
    root = cpptoml::parse_file(path);
  } catch (const std::exception& e) {  // cpptoml reports bad syntax and unreadable files so
    return Error{"config " + path + ": " + e.what()};
  }
  CassdConfig c;
  std::string error;
  const std::set<std::string> sections = {"cass", "listen", "announce", "ac",
                                          "rsa",  "images", "log",      "dpdk"};
  for (const auto& [key, value] : *root) {
    if (sections.count(key) == 0 || !value->is_table()) {
      error = "[" + key + "]: unknown section";
      break;
    }
  }
  const auto section = [&](const char* name) {
    return TomlSection(root->get_table(name), name, &error);
  };
  if (error.empty()) {
    ReadCass(section("cass"), c);
  }
  ReadDpdk(section("dpdk"), c);
  ReadListen(section("listen"), c);
  ReadAnnounce(section("announce"), c);
  if (c.dpdk) {
    c.dpdk->port.udp_port = c.port;
    c.dpdk->port.multicast_ttl = static_cast<uint8_t>(c.multicast.ttl);
  }
  ReadAc(section("ac"), c);
  ReadRsa(section("rsa"), c);
  ReadImages(section("images"), c);
  ReadLog(section("log"), c);
  if (!error.empty()) {
    return Error{"config " + path + ": " + error};
  }
  return c;
}

bool ParseHostPort(const std::string& s, uint16_t default_port, dataplane::Endpoint* out) {
  std::string host = s;
  std::string port;
  if (!s.empty() && s[0] == '[') {
    const size_t close = s.find(']');
    if (close == std::string::npos) {
      return false;
    }
    host = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') {
        return false;
      }
      port = s.substr(close + 2);
    }
  } else if (std::count(s.begin(), s.end(), ':') == 1) {
    host = s.substr(0, s.find(':'));
    port = s.substr(s.find(':') + 1);
  }
  out->address = host;
  out->port = default_port;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) > 65535) {
      return false;
    }
    out->port = static_cast<uint16_t>(std::stoul(port));
  }
  return IsAddress(host);
}

}  // namespace rcas::tools::cassd
