#include "tests/common/vectors.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rcas::testing {

std::string DataPath(const std::string& relative) {
  return std::string(RCAS_TEST_DATA_DIR) + "/" + relative;
}

std::string ReadFile(const std::string& relative) {
  std::ifstream in(DataPath(relative), std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open test data " + relative);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json LoadJson(const std::string& relative) {
  return nlohmann::json::parse(ReadFile(relative));
}

Bytes Hex(const std::string& hex) {
  auto b = FromHex(hex);
  if (!b) {
    throw std::runtime_error("bad hex in test data: " + hex.substr(0, 40));
  }
  return *b;
}

}  // namespace rcas::testing
