// The CAM state file (PROFILE §2.4): one "key value..." line per fact, hex for octets, "-" for
// absent. Text so that a tester can read and edit it.

#include "tools/cam_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace rcas::tools {
namespace {

constexpr std::string_view kMagic = "rcas-cam-state 1";

std::string HexOrDash(ByteView v) { return v.empty() ? "-" : ToHex(v); }

bool ParseHexField(const std::string& s, Bytes* out) {
  if (s == "-") {
    out->clear();
    return true;
  }
  auto v = FromHex(s);
  if (!v) {
    return false;
  }
  *out = std::move(*v);
  return true;
}

template <size_t N>
bool ParseFixed(const std::string& s, std::array<uint8_t, N>* out) {
  Bytes b;
  return ParseHexField(s, &b) && CopyTo(*out, b);
}

bool ParseUint(const std::string& s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 20 || !std::all_of(s.begin(), s.end(), ::isdigit)) {
    return false;
  }
  *out = std::stoull(s);
  return *out <= max;
}

bool ParseZone(std::istringstream& in, CamZoneState* z) {
  std::string id, k1, chk, k2, ac, ab, k3, rc, rb;
  in >> id >> k1 >> chk >> k2 >> ac >> ab >> k3 >> rc >> rb;
  Bytes key;
  if (!ParseFixed(id, &z->cass_id) || k1 != "chk" || k2 != "announce" || k3 != "renewal" ||
      !ParseHexField(chk, &key) || !ParseUint(ac, UINT64_MAX, &z->announce_counter) ||
      !ParseHexField(ab, &z->announce) || !ParseUint(rc, UINT64_MAX, &z->renewal_counter) ||
      !ParseHexField(rb, &z->renewal)) {
    return false;
  }
  if (!key.empty()) {
    if (key.size() != protocol::Secret20::size()) {
      return false;
    }
    z->chk.emplace(key);
  }
  return true;
}

}  // namespace

CamZoneState* CamPersistentState::Zone(ByteView cass_id) {
  for (CamZoneState& z : zones) {
    if (std::equal(z.cass_id.begin(), z.cass_id.end(), cass_id.begin(), cass_id.end())) {
      return &z;
    }
  }
  return nullptr;
}

const CamZoneState* CamPersistentState::Zone(ByteView cass_id) const {
  return const_cast<CamPersistentState*>(this)->Zone(cass_id);
}

CamZoneState& CamPersistentState::ZoneFor(const crypto::CassId& cass_id) {
  if (CamZoneState* z = Zone(cass_id)) {
    return *z;
  }
  zones.push_back(CamZoneState{.cass_id = cass_id});
  return zones.back();
}

void CamPersistentState::Install(const InstalledClient& client) {
  for (InstalledClient& c : clients) {
    if (c.type == client.type && c.vendor == client.vendor) {
      c = client;
      return;
    }
  }
  clients.push_back(client);
}

std::optional<uint16_t> CamPersistentState::InstalledVersion(uint8_t type, uint16_t vendor) const {
  for (const InstalledClient& c : clients) {
    if (c.type == type && c.vendor == vendor) {
      return c.version;
    }
  }
  return std::nullopt;
}

std::string FormatCamState(const CamPersistentState& s) {
  std::ostringstream out;
  out << kMagic << "\nvirgin " << (s.virgin ? 1 : 0) << "\ncurrent-cass "
      << (s.current_cass_id ? ToHex(*s.current_cass_id) : "-") << "\nkpk "
      << HexOrDash(s.kpk.view()) << "\nsign-kpk " << HexOrDash(s.sign_kpk) << "\n";
  for (const InstalledClient& c : s.clients) {
    const uint8_t v[5] = {c.type, static_cast<uint8_t>(c.vendor >> 8),
                          static_cast<uint8_t>(c.vendor), static_cast<uint8_t>(c.version >> 8),
                          static_cast<uint8_t>(c.version)};
    out << "client " << ToHex(ByteView(v, 1)) << " " << ToHex(ByteView(v + 1, 2)) << " "
        << ToHex(ByteView(v + 3, 2)) << "\n";
  }
  for (const CamZoneState& z : s.zones) {
    out << "zone " << ToHex(z.cass_id) << " chk " << (z.chk ? ToHex(z.chk->view()) : "-")
        << " announce " << z.announce_counter << " " << HexOrDash(z.announce) << " renewal "
        << z.renewal_counter << " " << HexOrDash(z.renewal) << "\n";
  }
  return out.str();
}

Result<CamPersistentState> ParseCamState(std::string_view text) {
  std::istringstream lines{std::string(text)};
  std::string line;
  if (!std::getline(lines, line) || line != kMagic) {
    return Error{"not a CAM state file (first line must be \"rcas-cam-state 1\")"};
  }
  CamPersistentState s;
  size_t n = 1;
  while (std::getline(lines, line)) {
    ++n;
    std::istringstream in(line);
    std::string key, a, b, c;
    in >> key;
    bool ok = true;
    if (key == "virgin") {
      in >> a;
      ok = a == "0" || a == "1";
      s.virgin = a == "1";
    } else if (key == "current-cass") {
      in >> a;
      crypto::CassId id{};
      ok = a == "-" || ParseFixed(a, &id);
      if (a != "-") {
        s.current_cass_id = id;
      }
    } else if (key == "kpk") {
      in >> a;
      Bytes kpk;
      ok = ParseHexField(a, &kpk);
      s.kpk = crypto::SecretBytes(kpk);
      std::fill(kpk.begin(), kpk.end(), 0);
    } else if (key == "sign-kpk") {
      in >> a;
      ok = ParseHexField(a, &s.sign_kpk);
    } else if (key == "client") {
      in >> a >> b >> c;
      std::array<uint8_t, 1> t{};
      std::array<uint8_t, 2> vendor{}, version{};
      ok = ParseFixed(a, &t) && ParseFixed(b, &vendor) && ParseFixed(c, &version);
      s.clients.push_back({t[0], LoadBe16(vendor.data()), LoadBe16(version.data())});
    } else if (key == "zone") {
      ok = ParseZone(in, &s.zones.emplace_back());
    } else {
      ok = key.empty() && line.empty();
    }
    std::string extra;
    if (!ok || (in >> extra)) {
      return Error{"CAM state line " + std::to_string(n) + " is malformed"};
    }
  }
  return s;
}

Status SaveCamState(const std::string& path, const CamPersistentState& state) {
  const std::string text = FormatCamState(state);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error{"cannot write " + tmp};
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Error{"cannot write " + path};
  }
  return OkStatus();
}

Result<CamPersistentState> LoadCamState(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return CamPersistentState{};
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto state = ParseCamState(text.str());
  if (!state) {
    return Error{path + ": " + state.error()};
  }
  return state;
}

}  // namespace rcas::tools
