#pragma once
// ASCII helpers of the text protocols (HTTP header names, TFTP option names and modes).

#include <string_view>

namespace rcas::dataplane {

// IEquals compares ASCII case-insensitively (no locale).
inline bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace rcas::dataplane
