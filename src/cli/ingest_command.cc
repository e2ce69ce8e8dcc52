// mandate ingest SOURCE FILE…: other systems' audit logs into normalized events.
#include <iostream>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "cli/internal/cli_context.h"
#include "core/error.h"
#include "home/home.h"
#include "ingest/detect_source.h"
#include "ingest/importer.h"
#include "ingest/ledger_source.h"

namespace mandate::cli {
namespace {

nlohmann::json file_json(const ingest::FileReport& f) {
  nlohmann::json malformed = nlohmann::json::array();
  for (const auto& m : f.malformed_examples) malformed.push_back({{"where", m.where}, {"reason", m.reason}});
  nlohmann::json skipped = nlohmann::json::object();
  for (const auto& [reason, count] : f.skipped_reasons) skipped[reason] = count;
  return {{"file", f.file},         {"source", f.source},       {"records", f.records},     {"events", f.events},
          {"skipped", f.skipped},   {"skipped_reasons", skipped}, {"merged", f.merged},
          {"malformed", f.malformed}, {"malformed_records", malformed}};
}

// The files to import: named files as they are, folders walked for what is
// named like a log; `ignored` gets the rest of those folders.
std::vector<std::string> expand(const std::vector<std::string>& paths, std::vector<std::string>& ignored) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    if (path == "-") {
      files.push_back(path);
      continue;
    }
    auto found = ingest::log_files(path, ignored);
    if (found.empty()) fail(ErrorKind::bad_input, path + ": no log files in this folder (.json, .jsonl, .ndjson, .log, or .gz)");
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// `kind` nullopt: `mandate ingest auto`, each file read as the source found in it.
void add_ingest_source(CLI::App& ingest, const GlobalOptions& options, int& exit_code,
                       std::optional<ingest::SourceKind> kind, const std::string& help) {
  struct Args {
    std::vector<std::string> files;
    bool atomic = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = ingest.add_subcommand(kind ? std::string(ingest::to_string(*kind)) : "auto", help);
  cmd->add_option("PATH", args->files,
                  "Log files, plain or gzip (- reads stdin), or folders: every file in them named like a log")
      ->required();
  cmd->add_flag("--atomic", args->atomic,
                "All or nothing: one file that cannot be read refuses the whole import (default: the good files are "
                "stored, the bad ones named, exit 1)");
  cmd->callback([&options, &exit_code, kind, args] {
    auto home = open_home(options);
    auto events = home->open_event_store();
    std::vector<std::string> ignored;
    const auto files = expand(args->files, ignored);
    const auto report = ingest::import_files(
        kind, files, *events, args->atomic ? ingest::ImportMode::all_or_nothing : ingest::ImportMode::keep_good_files);
    nlohmann::json out_files = nlohmann::json::array();
    for (const auto& f : report.files) {
      out_files.push_back(file_json(f));
      for (const auto& m : f.malformed_examples) std::cerr << m.where << ": " << m.reason << "\n";
      if (f.malformed > f.malformed_examples.size()) {
        std::cerr << f.file << ": " << f.malformed - f.malformed_examples.size() << " more malformed records\n";
      }
    }
    nlohmann::json refused = nlohmann::json::array();
    for (const auto& r : report.refused) {
      refused.push_back({{"file", r.file}, {"reason", r.reason}});
      std::cerr << "mandate: " << r.file << " was not imported: " << r.reason << "\n";
    }
    if (!report.refused.empty()) exit_code = kExitCheckFailed;
    print_json({{"files", out_files},
                {"refused", refused},
                {"ignored", ignored},
                {"added", report.stored.added},
                {"duplicates", report.stored.duplicates},
                {"linked", report.stored.linked}});
  });
}

}  // namespace

void add_ingest_commands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto* ingest = app.add_subcommand("ingest", "Import other systems' audit logs as normalized events");
  ingest->require_subcommand(1);
  add_ingest_source(*ingest, options, exit_code, std::nullopt,
                    "Any source mandate reads: each file is read as the source whose parser reads its records");
  add_ingest_source(*ingest, options, exit_code, ingest::SourceKind::cloudtrail,
                    "AWS CloudTrail: {\"Records\":[…]} files, arrays, or JSON lines");
  add_ingest_source(*ingest, options, exit_code, ingest::SourceKind::k8s_audit, "Kubernetes audit.k8s.io/v1 Event lines");
  add_ingest_source(*ingest, options, exit_code, ingest::SourceKind::vault, "HashiCorp Vault audit device lines");
  add_ingest_source(*ingest, options, exit_code, ingest::SourceKind::github,
                    "GitHub audit log entries, Actions OIDC claim sets, webhook payloads");
  add_ingest_source(*ingest, options, exit_code, ingest::SourceKind::okta,
                    "Okta System Log events: /api/v1/logs arrays, JSON lines, event hook bodies");
  add_ingest_source(*ingest, options, exit_code, ingest::SourceKind::gcp,
                    "Google Cloud audit log entries: gcloud logging read output, JSON lines, Pub/Sub, BigQuery");
  add_ingest_source(*ingest, options, exit_code, ingest::SourceKind::entra,
                    "Microsoft Entra ID audit and sign-in logs: Graph responses ({\"value\":[…]}) or Azure Monitor "
                    "exports ({\"records\":[…]}, JSON lines)");
  add_ingest_source(*ingest, options, exit_code, ingest::SourceKind::azure,
                    "Azure Activity log: Azure SDK / CLI output or Azure Monitor exports ({\"records\":[…]})");
  add_ingest_source(*ingest, options, exit_code, ingest::SourceKind::m365,
                    "Microsoft 365 Unified Audit Log records (AuditData), JSON lines or arrays");
  ingest->add_subcommand("ledger", "This home's own workflow ledger (requests, approvals, mandates, decisions)")
      ->callback([&options] {
        auto home = open_home(options);
        auto events = home->open_event_store();
        const auto found = ingest::events_from_ledger(home->store(), home->config().origin);
        const auto stored = events->add_events(found);
        print_json({{"events", found.size()}, {"added", stored.added}, {"duplicates", stored.duplicates}, {"linked", stored.linked}});
      });
}

}  // namespace mandate::cli
