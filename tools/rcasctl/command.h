#pragma once
// What every rcasctl command group shares: the registration contract and error reporting.
// A group lives in <group>_command.cc and is listed once in main.cc (RCAS_COMMAND_GROUPS).

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string_view>

namespace rcas::tools {

// An Add<Group>Command(CLI::App& app, int& exit_code) function adds the group's subcommands to
// `app`; the callback of the subcommand that runs stores its exit status in `exit_code`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and failed (one error line printed)
inline constexpr int kExitUsage = 2;    // bad command line (CLI11 printed why)

// Fail prints "rcasctl: error: <message>" as one line on stderr and returns kExitFailure.
int Fail(std::string_view message);

// HexOctets validates an option that must be exactly `octets` octets of hex (either case).
CLI::Validator HexOctets(size_t octets);

// HexUpTo validates hex of 0..`max_octets` octets.
CLI::Validator HexUpTo(size_t max_octets);

}  // namespace rcas::tools
