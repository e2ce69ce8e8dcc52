// `mandate backup DEST` and `mandate restore SRC`: the home-level copy and
// its proof live in home/backup.h; this file only reads the arguments and
// prints the proof.
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/internal/cli_context.h"
#include "core/error.h"
#include "encoding/base64.h"
#include "home/backup.h"
#include "home/home.h"

namespace mandate::cli {
namespace {

// Verbatim: a signed note ends in a newline that its signature covers.
std::string read_checkpoint_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::bad_input, "--checkpoint: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json checkpoint_json(const ledger::Checkpoint& checkpoint) {
  return {{"size", checkpoint.size}, {"root_hash", encoding::base64_encode(checkpoint.root)}};
}

// The proof a copy passed: its size and root, and the signed checkpoint
// whose root it reproduces (a public note: it holds no secret).
nlohmann::json proof_json(const home::CopyProof& proof) {
  nlohmann::json checkpoint = checkpoint_json(proof.checkpoint);
  checkpoint["note"] = proof.checkpoint_note;
  return {{"size", proof.size},
          {"root_hash", encoding::base64_encode(proof.root)},
          {"checkpoints_checked", proof.checkpoints_checked},
          {"checkpoint", checkpoint}};
}

void add_backup(CLI::App& app, GlobalOptions& options) {
  auto destination = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "backup", "Copy the home (store, config, private signing keys) to DEST, which must not exist, and prove the copy");
  cmd->add_option("DEST", *destination, "Where the backup goes (a new directory; it will hold private keys)")->required();
  cmd->callback([&options, destination] {
    require_local(options);
    auto home = open_home(options);
    const home::BackupReport report = home::backup_home(*home, *destination);
    nlohmann::json out = {{"backup", report.destination.string()}, {"home", home->dir().string()}};
    out.update(proof_json(report.proof));
    print_json(out);
  });
}

void add_restore(CLI::App& app, GlobalOptions& options) {
  struct Args {
    std::string source;
    std::string checkpoint_file;
    bool force = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("restore", "Bring the backup SRC back into --home after proving it");
  cmd->add_option("SRC", args->source, "A directory written by `mandate backup`")->required();
  cmd->add_flag("--force", args->force, "Replace a home already there: it is moved aside to a dated sibling, not deleted");
  cmd->add_option("--checkpoint", args->checkpoint_file,
                  "A signed checkpoint kept outside the home: the restored ledger must reproduce it");
  cmd->callback([&options, args] {
    require_local(options);
    home::RestoreOptions restore;
    restore.force = args->force;
    if (!args->checkpoint_file.empty()) {
      restore.kept_checkpoint = read_checkpoint_file(args->checkpoint_file);
      restore.kept_checkpoint_source = "the checkpoint " + args->checkpoint_file;
    }
    const home::RestoreReport report = home::restore_home(args->source, home::resolve_home(options.home), restore);
    nlohmann::json out = {{"home", report.home.string()},
                          {"restored_from", args->source},
                          {"previous_home", report.previous_home ? nlohmann::json(report.previous_home->string())
                                                                 : nlohmann::json()},
                          {"verifier_key", report.verifier_key}};
    out.update(proof_json(report.proof));
    if (report.kept_checkpoint) out["kept_checkpoint"] = checkpoint_json(*report.kept_checkpoint);
    print_json(out);
  });
}

}  // namespace

void add_backup_commands(CLI::App& app, GlobalOptions& options) {
  add_backup(app, options);
  add_restore(app, options);
}

}  // namespace mandate::cli
