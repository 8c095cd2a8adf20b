#pragma once
// Test helpers: load the copied vector files (tests/data/vectors) and hex.

#include <nlohmann/json.hpp>
#include <string>

#include "crypto/bytes.h"

namespace rcas::testing {

// DataPath is tests/data/<relative>.
std::string DataPath(const std::string& relative);

// LoadJson parses tests/data/<relative>; the test fails (throws) if absent.
nlohmann::json LoadJson(const std::string& relative);

// ReadFile returns a data file's contents.
std::string ReadFile(const std::string& relative);

// Hex decodes a hex string; throws on bad input (test data is trusted).
Bytes Hex(const std::string& hex);
inline Bytes Hex(const nlohmann::json& j) { return Hex(j.get<std::string>()); }

}  // namespace rcas::testing
