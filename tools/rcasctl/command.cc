#include "tools/rcasctl/command.h"

#include <iostream>
#include <string>

#include "crypto/bytes.h"

namespace rcas::tools {
namespace {

CLI::Validator HexValidator(size_t min_octets, size_t max_octets, std::string name) {
  return CLI::Validator(
      [min_octets, max_octets](std::string& value) -> std::string {
        auto octets = FromHex(value);
        if (!octets || octets->size() < min_octets || octets->size() > max_octets) {
          return "expected " + std::to_string(2 * min_octets) +
                 (max_octets == min_octets ? "" : ".." + std::to_string(2 * max_octets)) +
                 " hex digits, got '" + value + "'";
        }
        return std::string();
      },
      std::move(name));
}

}  // namespace

int Fail(std::string_view message) {
  std::cerr << "rcasctl: error: " << message << '\n';
  return kExitFailure;
}

CLI::Validator HexOctets(size_t octets) {
  return HexValidator(octets, octets, "HEX" + std::to_string(2 * octets));
}

CLI::Validator HexUpTo(size_t max_octets) { return HexValidator(0, max_octets, "HEX"); }

}  // namespace rcas::tools
