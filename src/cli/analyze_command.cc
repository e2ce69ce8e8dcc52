// mandate analyze / attribution / events: findings, the attribution report
// and the normalized events, over what `mandate ingest` stored.
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "analyze/analyzer.h"
#include "analyze/report_json.h"
#include "cli/internal/cli_context.h"
#include "core/error.h"
#include "export/ocsf.h"
#include "home/home.h"

namespace mandate::cli {
namespace {

using nlohmann::json;

struct AnalyzeArgs {
  std::string since, as_of, format = "text", config, finding_class = "detection";
};

std::optional<core::Timestamp> time_option(const std::string& name, const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto t = core::parse_timestamp(text);
  if (!t) fail(ErrorKind::bad_input, name + ": \"" + text + "\" is not an RFC 3339 UTC time such as 2026-11-01T00:00:00Z");
  return t;
}

// <home>/analyze.toml when present; --config names another file.
analyze::AnalyzeConfig load_config(const home::Home& home, const std::string& flag) {
  return flag.empty() ? analyze::read_config_if_present(home.dir() / "analyze.toml") : analyze::read_config(flag);
}

struct Opened {
  std::unique_ptr<home::Home> home;
  std::unique_ptr<store::EventStore> events;
};

Opened open_events(const GlobalOptions& options) {
  Opened o;
  o.home = open_home(options);
  o.events = o.home->open_event_store();
  return o;
}

void print_findings_text(const analyze::Analysis& a) {
  std::cout << a.findings.size() << " findings over " << a.events << " events (as of "
            << core::format_timestamp(a.as_of) << ")\n";
  for (const auto& f : a.findings) {
    std::cout << "\n[" << analyze::to_string(f.rule->severity) << "] " << f.rule->id << "  " << f.subject << "\n  "
              << f.explanation << "\n  evidence: ";
    for (std::size_t i = 0; i < f.evidence.size() && i < 5; ++i) {
      std::cout << (i ? ", " : "") << f.evidence[i];
      // The record's own id in its source, to find it in the source's logs.
      if (i < f.evidence_source_ids.size() && !f.evidence_source_ids[i].empty()) {
        std::cout << " (" << f.evidence_source_ids[i] << ")";
      }
    }
    std::cout << " (" << f.evidence_count << (f.evidence_count == 1 ? " event" : " events") << ")\n";
    if (!f.behind.empty()) {
      std::cout << "  behind it:";
      for (const auto& person : f.behind) std::cout << " " << person;
      std::cout << "\n";
    }
    std::cout << "  do: " << f.rule->remediation << "\n  maps to:";
    for (const auto& m : f.rule->mappings) std::cout << " " << m.framework << ":" << m.item;
    std::cout << "\n";
  }
}

void add_analyze(CLI::App& app, const GlobalOptions& options) {
  auto args = std::make_shared<AnalyzeArgs>();
  auto* cmd = app.add_subcommand("analyze", "Run the finding rules over imported events");
  cmd->add_option("--since", args->since, "Only events at or after this RFC 3339 UTC time");
  cmd->add_option("--as-of", args->as_of, "What \"now\" is for staleness (default: the newest event)");
  cmd->add_option("--format", args->format, "text, json or ocsf (one OCSF finding per line)")
      ->check(CLI::IsMember({"text", "json", "ocsf"}));
  cmd->add_option("--finding-class", args->finding_class,
                  "With --format ocsf: detection (Detection Finding 2004, default) or compliance (Compliance Finding 2003)")
      ->check(CLI::IsMember({"detection", "compliance"}));
  cmd->add_option("--config", args->config, "Analyzer settings (default: <home>/analyze.toml when present)");
  cmd->callback([&options, args] {
    auto o = open_events(options);
    const auto config = load_config(*o.home, args->config);
    const auto analysis = analyze::analyze(*o.events, config,
                                           {time_option("--since", args->since), time_option("--as-of", args->as_of)});
    if (args->format == "text") return print_findings_text(analysis);
    if (args->format == "ocsf") {
      const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
      const auto as = args->finding_class == "compliance" ? exporting::FindingClass::compliance
                                                          : exporting::FindingClass::detection;
      for (const auto& f : analysis.findings) std::cout << exporting::ocsf_finding(f, now, as).dump() << "\n";
      return;
    }
    json findings = json::array();
    for (const auto& f : analysis.findings) findings.push_back(analyze::to_json(f));
    print_json({{"as_of", core::format_timestamp(analysis.as_of)}, {"events", analysis.events}, {"findings", findings}});
  });
}

json counts_json(const analyze::AttributionCounts& c) {
  return {{"actions", c.actions},
          {"initiator_and_approval", c.initiator_and_approval},
          {"initiator_only", c.initiator_only},
          {"approval_only", c.approval_only},
          {"neither", c.neither}};
}

void print_attribution_text(const analyze::AttributionReport& r) {
  const auto pct = [](const analyze::AttributionCounts& c, std::size_t n) {
    std::ostringstream s;
    s.precision(1);
    s << std::fixed << 100.0 * c.share(n) << "%";
    return s.str();
  };
  std::cout << "machine identity actions: " << r.total.actions << "\n"
            << "  human initiator and approval: " << r.total.initiator_and_approval << " ("
            << pct(r.total, r.total.initiator_and_approval) << ")\n"
            << "  human initiator only:         " << r.total.initiator_only << " (" << pct(r.total, r.total.initiator_only)
            << ")\n"
            << "  approval only:                " << r.total.approval_only << " (" << pct(r.total, r.total.approval_only)
            << ")\n"
            << "  neither:                      " << r.total.neither << " (" << pct(r.total, r.total.neither) << ")\n\n";
  for (const auto& [id, c] : r.identities) {
    std::cout << id << ": " << c.actions << " actions, both " << c.initiator_and_approval << ", initiator "
              << c.initiator_only << ", approval " << c.approval_only << ", neither " << c.neither << "\n";
  }
}

void add_attribution(CLI::App& app, const GlobalOptions& options) {
  auto args = std::make_shared<AnalyzeArgs>();
  auto* cmd = app.add_subcommand("attribution",
                                 "For each machine identity: actions that reach a human initiator, an approval, both, neither");
  cmd->add_option("--since", args->since, "Only events at or after this RFC 3339 UTC time");
  cmd->add_option("--format", args->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--config", args->config, "Analyzer settings (default: <home>/analyze.toml when present)");
  cmd->callback([&options, args] {
    auto o = open_events(options);
    const auto config = load_config(*o.home, args->config);
    const auto analysis = analyze::analyze(*o.events, config, {time_option("--since", args->since), std::nullopt});
    const auto& r = analysis.attribution;
    if (args->format == "text") return print_attribution_text(r);
    json identities = json::array();
    for (const auto& [id, c] : r.identities) {
      json item = counts_json(c);
      item["identity"] = id;
      identities.push_back(item);
    }
    json total = counts_json(r.total);
    total["shares"] = {{"initiator_and_approval", r.total.share(r.total.initiator_and_approval)},
                       {"initiator_only", r.total.share(r.total.initiator_only)},
                       {"approval_only", r.total.share(r.total.approval_only)},
                       {"neither", r.total.share(r.total.neither)}};
    print_json({{"identities", identities}, {"total", total}});
  });
}

void add_events(CLI::App& app, const GlobalOptions& options) {
  struct Args {
    std::string since, until, actor, credential, session, source_id, id, format = "json";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("events", "Print imported events (JSON lines, or OCSF: API Activity, Authentication, Authorize Session)");
  cmd->add_option("--since", args->since, "At or after this RFC 3339 UTC time");
  cmd->add_option("--until", args->until, "Before this RFC 3339 UTC time");
  cmd->add_option("--actor", args->actor, "Only this actor id");
  cmd->add_option("--credential", args->credential, "Only events that used this credential");
  cmd->add_option("--session", args->session, "A session: events that used this credential or one issued under it");
  cmd->add_option("--source-id", args->source_id,
                  "Only the event of this record id in its source (CloudTrail eventID, Kubernetes auditID, Vault "
                  "request id, GitHub document id, Okta uuid, …)");
  auto* id = cmd->add_option("--id", args->id, "Only the event of this mandate id (as findings name their evidence)");
  cmd->add_option("--format", args->format, "json or ocsf")->check(CLI::IsMember({"json", "ocsf"}));
  for (const char* other : {"--since", "--until", "--actor", "--credential", "--session", "--source-id"}) {
    id->excludes(cmd->get_option(other));
  }
  cmd->callback([&options, args] {
    auto o = open_events(options);
    store::EventQuery q;
    q.since = time_option("--since", args->since);
    q.until = time_option("--until", args->until);
    if (!args->actor.empty()) q.actor = args->actor;
    if (!args->credential.empty()) q.credential = args->credential;
    if (!args->session.empty()) q.session = args->session;
    if (!args->source_id.empty()) q.source_id = args->source_id;
    const auto print = [&](const core::AuditEvent& e) {
      if (args->format != "ocsf") {
        std::cout << analyze::to_json(e).dump() << "\n";
        return true;
      }
      for (const auto& record : exporting::ocsf_events(e)) std::cout << record.dump() << "\n";
      return true;
    };
    if (args->id.empty()) return o.events->scan_events(q, print);
    if (const auto e = o.events->event(args->id)) print(*e);
  });
}

}  // namespace

void add_analyze_commands(CLI::App& app, GlobalOptions& options, int& /*exit_code*/) {
  add_analyze(app, options);
  add_attribution(app, options);
  add_events(app, options);
}

}  // namespace mandate::cli
