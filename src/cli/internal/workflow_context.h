#pragma once
// Private to the cli module: the build defines MANDATE_INSIDE_CLI only for src/cli/ and tests/cli/.
#ifndef MANDATE_INSIDE_CLI
#error "this header is internal to the cli module; include a public cli/ header instead"
#endif
// What the workflow commands share: a home opened with its broker, and the
// way values are passed (inline, @file, or - for stdin).
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "broker/broker.h"
#include "cli/internal/cli_context.h"
#include "home/home.h"

namespace mandate::cli {

struct Workspace {
  std::unique_ptr<home::Home> home;
  std::unique_ptr<broker::Broker> broker;
};

Workspace open_workspace(const GlobalOptions& options);

// "@path" reads the file, "-" reads stdin, anything else is the value itself.
// Trailing newlines of a file or stdin are dropped.
std::string argument_value(const std::string& value, const std::string& what);

// An actor named with --as, asserted by whoever runs the CLI on this home.
broker::Caller asserted(const Workspace& ws, const std::string& actor_id);
// With --server the server takes who acts from the credential; --as is
// refused rather than ignored, so nobody believes they acted as someone the
// server did not record. Locally --as is required where `required_locally`.
void check_as(const GlobalOptions& options, const std::string& as, bool required_locally = true);
// The home's operator, for administration (actors, rules, policies).
broker::Caller operator_caller();

std::chrono::seconds duration_argument(const std::string& text, const std::string& what);

void add_actor_commands(CLI::App& app, GlobalOptions& options);
void add_rules_commands(CLI::App& app, GlobalOptions& options);
void add_task_commands(CLI::App& app, GlobalOptions& options);
void add_token_commands(CLI::App& app, GlobalOptions& options);
void add_authorize_command(CLI::App& app, GlobalOptions& options, int& exit_code);
void add_review_commands(CLI::App& app, GlobalOptions& options);
void add_policy_load_commands(CLI::App& app, GlobalOptions& options);
void add_trace_command(CLI::App& app, GlobalOptions& options);
void add_evidence_commands(CLI::App& app, GlobalOptions& options, int& exit_code);

}  // namespace mandate::cli
