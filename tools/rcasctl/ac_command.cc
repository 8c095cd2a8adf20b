// `rcasctl ac ...`: the AC store's command line (docs/ac-cli.md). Every command names its store
// with --db; only `ac init` creates one.

#include "tools/rcasctl/ac_command.h"

#include <memory>

#include "crypto/x509.h"
#include "storage/cam_record.h"
#include "tools/rcasctl/command.h"

namespace rcas::tools {
namespace {

// AddCommand adds `name` with its --db option; `run` becomes its callback.
template <typename Run>
CLI::App* AddCommand(CLI::App* parent, const char* name, const char* help,
                     const std::shared_ptr<AcArgs>& a, int& exit_code, Run run) {
  CLI::App* cmd = parent->add_subcommand(name, help);
  cmd->add_option("--db", a->db, "AC store folder")->required();
  cmd->callback([a, &exit_code, run] { exit_code = run(*a); });
  return cmd;
}

void AddCamId(CLI::App* cmd, AcArgs& a) {
  cmd->add_option("CAM_ID", a.cam_hex, "CAM_ID, 16 hex digits")
      ->required()
      ->check(HexOctets(crypto::kCamIdLen));
}

}  // namespace

void AddAcCommand(CLI::App& app, int& exit_code) {
  CLI::App* ac = app.add_subcommand("ac", "the authorization centre's store: provision, inspect");
  ac->require_subcommand(1);
  auto a = std::make_shared<AcArgs>();

  AddCommand(ac, "init", "create an empty AC store in a new or empty folder", a, exit_code,
             RunAcInit);

  CLI::App* ingest =
      AddCommand(ac, "ingest", "provision CAMs from a `pki cams` file", a, exit_code, RunAcIngest);
  ingest->add_option("FILE", a->file, "provisioning file (.ac.rcpv or .cam.rcpv)")
      ->required()
      ->check(CLI::ExistingFile);
  ingest->add_option("--tmp", a->tmp, "folder for the SST files (default: inside the store)")
      ->check(CLI::ExistingDirectory);
  ingest->add_option("--records-per-file", a->records_per_file, "CAMs per SST file (memory)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 26))
      ->capture_default_str();

  CLI::App* cass = ac->add_subcommand("cass", "the CASS_IDs the first check knows");
  cass->require_subcommand(1);
  struct CassCommand {
    const char* name;
    const char* help;
    CassAction action;
  };
  for (const CassCommand c : {CassCommand{"add", "add a CASS_ID", CassAction::kAdd},
                              CassCommand{"remove", "remove a CASS_ID", CassAction::kRemove}}) {
    CLI::App* cmd =
        AddCommand(cass, c.name, c.help, a, exit_code,
                   [action = c.action](const AcArgs& x) { return RunAcCass(x, action); });
    cmd->add_option("CASS_ID", a->cass_hex, "CASS_ID, 8 hex digits")
        ->required()
        ->check(HexOctets(crypto::kCassIdLen));
  }
  AddCommand(cass, "list", "list the known CASS_IDs", a, exit_code,
             [](const AcArgs& x) { return RunAcCass(x, CassAction::kList); });

  CLI::App* show = AddCommand(ac, "show", "one CAM: identity, pairing, Annex C state (no secrets)",
                              a, exit_code, RunAcShow);
  AddCamId(show, *a);
  show->add_flag("--json", a->json, "one JSON object");

  CLI::App* set_state = AddCommand(ac, "set-state", "set a CAM's Annex C state (join, leave)", a,
                                   exit_code, RunAcSetState);
  AddCamId(set_state, *a);
  set_state
      ->add_option("STATE", a->state,
                   "virgin|service|not-service, join = virgin, leave = "
                   "not-service")
      ->required()
      ->check(CLI::IsMember({"virgin", "service", "not-service", "join", "leave"}));

  AddCamId(AddCommand(ac, "reset-count", "reset a CAM's authCount (mode C2)", a, exit_code,
                      RunAcResetCount),
           *a);

  CLI::App* repair =
      AddCommand(ac, "repair", "pair a CAM with a new DSC_ID", a, exit_code, RunAcRepair);
  AddCamId(repair, *a);
  repair->add_option("--dsc", a->dsc_hex, "the new DSC_ID, 80 hex digits")
      ->required()
      ->check(HexOctets(crypto::kDscIdLen));

  AddCommand(ac, "bump-deliver", "start a re-keying campaign: bump the deliverVersion counter", a,
             exit_code, RunAcBumpDeliver);

  AddCommand(ac, "stats", "counts and sizes of the store", a, exit_code, RunAcStats)
      ->add_flag("--json", a->json, "one JSON object");

  AddCommand(ac, "export", "one JSON line per CAM, no secrets", a, exit_code, RunAcExport)
      ->add_option("--out", a->out, "output file (default: stdout)");

  CLI::App* reports =
      AddCommand(ac, "reports", "a CAM's purchase reports and logs", a, exit_code, RunAcReports);
  AddCamId(reports, *a);
}

}  // namespace rcas::tools
