// rcasctl: the operator tool of the RCAS headend: PKI, provisioning files, the AC store, the
// running CASS daemon's control socket, decode, demo.

#include <CLI/CLI.hpp>
#include <string>

#include "tools/rcasctl/command.h"

// The command groups, one X(Name) each; Add<Name>Command lives in <name>_command.cc.
// Adding a group is a change of this one line.
#define RCAS_COMMAND_GROUPS(X) X(Pki) X(Ac) X(Cass) X(Decode) X(Demo)

namespace rcas::tools {
#define RCAS_DECLARE_GROUP(name) void Add##name##Command(CLI::App& app, int& exit_code);
RCAS_COMMAND_GROUPS(RCAS_DECLARE_GROUP)
#undef RCAS_DECLARE_GROUP
}  // namespace rcas::tools

int main(int argc, char** argv) {
  CLI::App app{"rcasctl: operator tool of the RCAS (ITU-T J.1003) headend", "rcasctl"};
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "rcasctl: error: " + std::string(e.what()) + " (see --help)\n";
  });
  int exit_code = rcas::tools::kExitOk;
#define RCAS_ADD_GROUP(name) rcas::tools::Add##name##Command(app, exit_code);
  RCAS_COMMAND_GROUPS(RCAS_ADD_GROUP)
#undef RCAS_ADD_GROUP
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? rcas::tools::kExitOk : rcas::tools::kExitUsage;
  }
  return exit_code;
}
