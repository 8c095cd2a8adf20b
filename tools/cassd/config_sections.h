#pragma once
// The section readers of rcas-cassd's config, shared by config.cc and config_sections.cc.

#include <cstddef>
#include <cstdint>
#include <string>

#include "tools/cassd/config.h"
#include "tools/cassd/toml_section.h"

namespace rcas::tools::cassd {

// ParseHex reads exactly 2n hex digits into out[0..n).
bool ParseHex(const std::string& s, uint8_t* out, size_t n);
// IsAddress: a numeric IPv4 or IPv6 address.
bool IsAddress(const std::string& s);

void ReadAc(TomlSection t, CassdConfig& c);
void ReadRsa(TomlSection t, CassdConfig& c);
void ReadImages(TomlSection t, CassdConfig& c);
void ReadLog(TomlSection t, CassdConfig& c);
void ReadDpdk(TomlSection t, CassdConfig& c);

}  // namespace rcas::tools::cassd
