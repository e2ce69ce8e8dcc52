#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/internal/cli_context.h"
#include "cli/internal/remote.h"
#include "cli/internal/witness_options.h"
#include "core/error.h"
#include "encoding/base64.h"
#include "encoding/json.h"
#include "home/home.h"
#include "ledger/proof_json.h"
#include "ledger/verify.h"

namespace mandate::cli {
namespace {

std::string read_input(const std::string& what, const std::string& path) {
  if (path == "-") {
    std::ostringstream buf;
    buf << std::cin.rdbuf();
    return buf.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::bad_input, what + ": cannot read " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// --data takes JSON text, @FILE or - for stdin.
nlohmann::json parse_data(const std::string& arg) {
  const std::string text = arg == "-" ? read_input("--data", "-")
                           : arg.starts_with("@") ? read_input("--data", arg.substr(1))
                                                  : arg;
  auto data = encoding::parse_json_strict(text);
  if (!data) fail(ErrorKind::bad_input, "--data: " + data.error());
  if (!data->is_object()) fail(ErrorKind::bad_input, "--data: must be a JSON object");
  return *data;
}

void add_append(CLI::App& ledger, GlobalOptions& options) {
  struct Args {
    std::string type, actor, kind = "human", data = "{}";
    std::vector<std::string> refs;
    std::optional<std::string> traceparent;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = ledger.add_subcommand("append", "Append an operator record; prints {\"index\": N}");
  cmd->add_option("--type", args->type, "Entry type, e.g. operator.record")->required();
  cmd->add_option("--actor", args->actor, "Who records it")->required();
  cmd->add_option("--actor-kind", args->kind, "human | workload | agent | system")->capture_default_str();
  cmd->add_option("--data", args->data, "JSON object, @FILE or - for stdin")->capture_default_str();
  cmd->add_option("--ref", args->refs, "Reference NAME=ID (task=…, mandate=…); repeatable");
  cmd->add_option("--traceparent", args->traceparent, "W3C traceparent to carry into the entry");
  cmd->callback([&options, args] {
    ledger::EntryDraft draft;
    draft.type = args->type;
    draft.actor = {args->actor, args->kind, "local-operator"};
    draft.data = parse_data(args->data);
    draft.traceparent = args->traceparent;
    for (const std::string& ref : args->refs) {
      const auto eq = ref.find('=');
      if (eq == std::string::npos || eq == 0) fail(ErrorKind::bad_input, "--ref " + ref + ": expected NAME=ID");
      if (!draft.refs.emplace(ref.substr(0, eq), ref.substr(eq + 1)).second) {
        fail(ErrorKind::bad_input, "--ref " + ref.substr(0, eq) + " given twice");
      }
    }
    // Validate before opening the home so bad input never touches the store.
    if (auto encoded = ledger::encode_entry(draft); !encoded) fail(ErrorKind::bad_input, encoded.error());
    auto home = open_home(options);
    print_json({{"index", home->ledger().append(draft)}});
  });
}

void add_proofs(CLI::App& ledger, GlobalOptions& options) {
  auto* proof = ledger.add_subcommand("proof", "Inclusion and consistency proofs (RFC 9162)");
  proof->require_subcommand(1);

  struct Inclusion {
    std::uint64_t index = 0;
    std::optional<std::uint64_t> size;
    bool json = false;
  };
  auto inc = std::make_shared<Inclusion>();
  auto* inclusion = proof->add_subcommand("inclusion", "Prove entry N is in the tree of size S (default: now)");
  inclusion->add_option("N", inc->index, "Entry index")->required();
  inclusion->add_option("--size", inc->size, "Tree size (default: current size)");
  inclusion->add_flag("--json", inc->json, "JSON output (the default; kept for scripts)");
  inclusion->callback([&options, inc] {
    if (options.is_remote()) {
      auto call = RemoteCall::get("/v1/ledger/proofs/inclusion");
      call.query = {{"index", std::to_string(inc->index)}};
      if (inc->size) call.query.emplace_back("tree_size", std::to_string(*inc->size));
      return print_remote(options, call);
    }
    auto home = open_home(options);
    auto& l = home->ledger();
    const std::uint64_t size = inc->size.value_or(l.size());
    print_json(ledger::inclusion_json(l, inc->index, size));
  });

  struct Consistency {
    std::uint64_t first = 0, second = 0;
    bool json = false;
  };
  auto con = std::make_shared<Consistency>();
  auto* consistency = proof->add_subcommand("consistency", "Prove the tree of size A is a prefix of size B");
  consistency->add_option("A", con->first, "First tree size")->required();
  consistency->add_option("B", con->second, "Second tree size")->required();
  consistency->add_flag("--json", con->json, "JSON output (the default; kept for scripts)");
  consistency->callback([&options, con] {
    if (options.is_remote()) {
      auto call = RemoteCall::get("/v1/ledger/proofs/consistency");
      call.query = {{"first", std::to_string(con->first)}, {"second", std::to_string(con->second)}};
      return print_remote(options, call);
    }
    auto home = open_home(options);
    auto& l = home->ledger();
    print_json(ledger::consistency_json(l, con->first, con->second));
  });
}

// The kept checkpoint's cosignatures, when the verifier asks for witnesses:
// a checkpoint only the operator signed proves nothing against the operator.
std::optional<std::string> witness_problem(const std::string& note, const witness::WitnessPolicy& witnesses,
                                           nlohmann::json& out) {
  const auto parsed = ledger::parse_signed_note(note);
  if (!parsed) return "--checkpoint: " + parsed.error();
  const auto quorum = witnesses.check(parsed->text, parsed->signatures);
  nlohmann::json cosigned = nlohmann::json::object();
  for (const auto& [name, timestamp] : quorum.timestamps) cosigned[name] = timestamp;
  out["witnesses"] = {{"quorum_reached", quorum.reached}, {"cosigned_by", cosigned}};
  if (quorum.reached) return std::nullopt;
  std::string why = "the kept checkpoint lacks the witnesses' quorum (" + witnesses.quorum() + ")";
  for (const auto& problem : quorum.problems) why += "; " + problem;
  return why;
}

void add_verify(CLI::App& ledger, GlobalOptions& options, int& exit_code) {
  struct VerifyArgs {
    std::string checkpoint_file;
    WitnessOptions witnesses;
  };
  auto args = std::make_shared<VerifyArgs>();
  auto* cmd = ledger.add_subcommand("verify", "Recompute every leaf, the tree and the checkpoints");
  cmd->add_option("--checkpoint", args->checkpoint_file, "A checkpoint kept outside the store (catches rollback)");
  add_witness_options(*cmd, args->witnesses);
  cmd->callback([&options, &exit_code, args] {
    const auto witnesses = witness_policy(args->witnesses);
    if (witnesses && args->checkpoint_file.empty()) {
      fail(ErrorKind::bad_input, "--witness/--policy check the cosignatures of a --checkpoint you kept; give one");
    }
    std::optional<std::string> external;
    if (!args->checkpoint_file.empty()) external = read_input("--checkpoint", args->checkpoint_file);
    auto home = open_home(options);
    auto report = ledger::verify_ledger(home->store(), home->config().origin, home->verifiers(), external);
    nlohmann::json out = {{"ok", report.ok}, {"size", report.size}, {"checkpoints_checked", report.checkpoints_checked}};
    if (witnesses && external) {
      if (auto problem = witness_problem(*external, *witnesses, out); problem && report.ok) {
        report.ok = false;
        report.problem = *problem;
      }
    }
    if (report.ok) {
      out["root_hash"] = encoding::base64_encode(report.root);
    } else {
      out["problem"] = report.problem;
      out["first_bad_index"] = report.first_bad_index ? nlohmann::json(*report.first_bad_index) : nlohmann::json();
      std::cerr << "mandate: ledger verification failed: " << report.problem << "\n";
      exit_code = kExitCheckFailed;
    }
    print_json(out);
  });
}

}  // namespace

void add_ledger_commands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto* ledger = app.add_subcommand("ledger", "The tamper-evident ledger");
  ledger->require_subcommand(1);
  add_append(*ledger, options);

  auto witnessed = std::make_shared<bool>(false);
  auto* checkpoint = ledger->add_subcommand("checkpoint", "Sign, store and print a checkpoint of the current size");
  checkpoint->add_flag("--witnessed", *witnessed,
                       "Print instead the newest checkpoint the witnesses' quorum cosigned (docs/witnesses.md)");
  checkpoint->callback([&options, witnessed] {
    // The server signs one checkpoint per ledger size and serves it until the ledger grows.
    if (options.is_remote()) {
      std::cout << RemoteClient(options.remote)
                       .text(RemoteCall::get(*witnessed ? "/v1/ledger/checkpoint/witnessed" : "/v1/ledger/checkpoint"));
      return;
    }
    auto home = open_home(options);
    if (!*witnessed) {
      std::cout << home->sign_checkpoint();
      return;
    }
    const auto note = home->witnessed_checkpoint();
    if (!note) fail(ErrorKind::not_found, "no checkpoint has reached the witnesses' quorum yet (is [witnesses] configured in mandate.toml?)");
    std::cout << *note;
  });

  auto index = std::make_shared<std::uint64_t>(0);
  auto* entry = ledger->add_subcommand("entry", "Print the exact canonical bytes of entry N");
  entry->add_option("N", *index, "Entry index")->required();
  entry->callback([&options, index] {
    const std::string bytes = options.is_remote()
                                  ? RemoteClient(options.remote).text(RemoteCall::get("/v1/ledger/entries/" + std::to_string(*index)))
                                  : open_home(options)->ledger().entry_bytes(*index);
    std::cout << bytes << std::flush;
  });

  add_proofs(*ledger, options);
  add_verify(*ledger, options, exit_code);

  ledger->add_subcommand("public-key", "Print the C2SP verifier key (name+keyhash+key)")->callback([&options] {
    std::cout << open_home(options)->active_verifier().to_string() << "\n";
  });

  ledger->add_subcommand("info", "Print origin, size and root hash")->callback([&options] {
    auto home = open_home(options);
    auto& l = home->ledger();
    const std::uint64_t size = l.size();
    print_json({{"origin", l.origin()}, {"size", size}, {"root_hash", encoding::base64_encode(l.root(size))}});
  });
}

}  // namespace mandate::cli
