#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "broker/trace.h"
#include "cli/internal/remote.h"
#include "cli/internal/witness_options.h"
#include "cli/internal/workflow_context.h"
#include "core/error.h"
#include "evidence/bundle.h"
#include "home/evidence.h"
#include "home/home.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace mandate::cli {

void add_trace_command(CLI::App& app, GlobalOptions& options) {
  struct Args {
    std::string id, format = "text";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("trace", "The whole chain behind a task, mandate (jti) or decision (ledger index)");
  cmd->add_option("id", args->id)->required();
  cmd->add_option("--format", args->format, "text | json | dot")->check(CLI::IsMember({"text", "json", "dot"}));
  cmd->callback([&options, args] {
    if (options.is_remote()) {
      auto call = RemoteCall::get("/v1/trace/" + segment(args->id));
      call.query.emplace_back("format", args->format);
      const std::string answer = RemoteClient(options.remote).text(call);
      // JSON is reprinted so it reads exactly as the local command's.
      if (args->format == "json") return print_json(nlohmann::json::parse(answer));
      std::cout << answer;
      return;
    }
    auto home = open_home(options);
    const auto trace = broker::build_trace(home->store(), home->ledger(), args->id);
    if (args->format == "json") print_json(broker::render_json(trace));
    else if (args->format == "dot") std::cout << broker::render_dot(trace);
    else std::cout << broker::render_text(trace);
  });
}

void add_evidence_commands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto* evidence = app.add_subcommand("evidence", "Self-contained, offline-verifiable evidence about a task");
  evidence->require_subcommand(1);
  auto task = std::make_shared<std::string>();
  auto* exp = evidence->add_subcommand(
      "export", "Print a bundle: the task's entries with inclusion proofs to the newest witnessed checkpoint that covers them, "
                "else a fresh signed one");
  exp->add_option("task", *task)->required();
  exp->callback([&options, task] {
    if (options.is_remote()) return print_remote(options, RemoteCall::get("/v1/evidence/" + segment(*task)));
    const auto home = open_home(options);
    print_json(home::export_evidence(*home, *task));
  });
  struct VerifyArgs {
    std::string file, key;
    WitnessOptions witnesses;
  };
  auto verify = std::make_shared<VerifyArgs>();
  auto* ver = evidence->add_subcommand("verify", "Verify a bundle offline (no store needed); exit 1 if it does not verify");
  ver->add_option("bundle", verify->file, "Bundle file, or - for stdin")->required();
  ver->add_option("--key", verify->key, "The checkpoint signer's verifier key you trust (C2SP vkey)");
  add_witness_options(*ver, verify->witnesses);
  ver->callback([&exit_code, verify] {
    const auto witnesses = witness_policy(verify->witnesses);
    const std::string text = argument_value(verify->file == "-" ? "-" : "@" + verify->file, "bundle");
    const auto report = evidence::verify_bundle(text, verify->key.empty() ? std::nullopt : std::optional(verify->key),
                                                witnesses ? &*witnesses : nullptr);
    print_json({{"valid", report.valid}, {"problems", report.problems}, {"proves", report.proves}, {"summary", report.summary}});
    if (!report.valid) exit_code = kExitCheckFailed;
  });
}

}  // namespace mandate::cli
