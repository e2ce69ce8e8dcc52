#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "cli/internal/cli_context.h"
#include "core/error.h"
#include "policy/authorizer.h"
#include "policy/conformance.h"
#include "policy/parser.h"
#include "policy/schema.h"
#include "policy/validator.h"

namespace mandate::cli {
namespace {

std::string read_file(const std::string& what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::bad_input, what + ": cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

policy::PolicySet load_policies(const std::string& path) {
  auto policies = policy::parse_policies(read_file("policies", path));
  // file:line:column, so editors jump to the error.
  if (!policies) fail(ErrorKind::bad_input, path + ":" + policies.error().to_string());
  return std::move(*policies);
}

// An entity UID in Cedar syntax, e.g. User::"alice" or Action::"view".
policy::EntityUid parse_uid(const std::string& what, const std::string& text) {
  auto expr = policy::parse_expression(text);
  if (expr) {
    auto value = policy::evaluate(**expr, policy::Request{}, policy::Entities{});
    if (value && value->is_entity()) return std::get<policy::EntityUid>(value->data);
  }
  fail(ErrorKind::bad_input, what + ": \"" + text + "\" is not an entity UID such as User::\"alice\"");
}

policy::Schema load_schema_file(const std::string& path) {
  // Format by extension (.json / .cedarschema), else by content.
  auto schema = policy::load_schema(read_file("schema", path), path);
  if (!schema) fail(ErrorKind::bad_input, path + ":" + schema.error());
  return std::move(*schema);
}

std::string counts(const policy::PolicySet& set) {
  return std::to_string(set.policies.size()) + " policies, " + std::to_string(set.templates.size()) + " templates";
}

void add_policy_check(CLI::App& policy, int& exit_code) {
  struct Args {
    std::string file, schema;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = policy.add_subcommand(
      "check", "Parse a policy file and, with --schema, validate it strictly; errors name file:line:column");
  cmd->add_option("FILE", args->file, "Cedar policy file")->required();
  cmd->add_option("--schema", args->schema, "Cedar schema (.cedarschema or .json)");
  cmd->callback([args, &exit_code] {
    const auto policies = load_policies(args->file);
    if (args->schema.empty()) {
      std::cout << "ok: " << counts(policies) << "\n";
      return;
    }
    const auto schema = load_schema_file(args->schema);
    const auto result = policy::validate(policies, schema);
    for (const auto& w : result.warnings) std::cerr << args->file << ":" << w.to_string() << " (warning)\n";
    if (!result.passed()) {
      for (const auto& e : result.errors) std::cout << args->file << ":" << e.to_string() << "\n";
      std::cout << result.errors.size() << " validation errors\n";
      exit_code = kExitCheckFailed;
      return;
    }
    std::cout << "ok: " << counts(policies) << ", valid against " << args->schema << "\n";
  });
}

void add_policy_eval(CLI::App& policy) {
  struct Args {
    std::string policies, entities, schema, principal, action, resource, context = "{}";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = policy.add_subcommand("eval", "Decide one request: {decision, reasons, errors}");
  cmd->add_option("--policies", args->policies, "Cedar policy file")->required();
  cmd->add_option("--entities", args->entities, "Cedar entities JSON file");
  cmd->add_option("--schema", args->schema,
                  "Cedar schema: entities and context are read by declared types; its actions join the entities");
  cmd->add_option("--principal", args->principal, "e.g. User::\"alice\"")->required();
  cmd->add_option("--action", args->action, "e.g. Action::\"view\"")->required();
  cmd->add_option("--resource", args->resource, "e.g. Photo::\"vacation.jpg\"")->required();
  cmd->add_option("--context", args->context, "JSON record")->capture_default_str();
  cmd->callback([args] {
    const auto policies = load_policies(args->policies);
    std::optional<policy::Schema> schema;
    if (!args->schema.empty()) schema = load_schema_file(args->schema);
    nlohmann::json entities_json = nlohmann::json::array();
    if (!args->entities.empty()) {
      entities_json = nlohmann::json::parse(read_file("entities", args->entities), nullptr, false);
      if (entities_json.is_discarded()) fail(ErrorKind::bad_input, args->entities + ": not valid JSON");
    }
    if (schema) entities_json = policy::with_schema_actions(std::move(entities_json), *schema);
    auto parsed = policy::entities_from_json(entities_json, schema ? &*schema : nullptr);
    if (!parsed) fail(ErrorKind::bad_input, args->entities + ": " + parsed.error());
    const policy::Entities entities = std::move(*parsed);
    policy::Request request;
    request.principal = parse_uid("--principal", args->principal);
    request.action = parse_uid("--action", args->action);
    request.resource = parse_uid("--resource", args->resource);
    const auto context_json = nlohmann::json::parse(args->context, nullptr, false);
    if (!context_json.is_object()) fail(ErrorKind::bad_input, "--context: not a JSON object");
    const policy::SchemaType* context_type = nullptr;
    if (schema) {
      const auto it = schema->actions.find(request.action);
      if (it != schema->actions.end()) context_type = &it->second.context;
    }
    auto context = context_type ? policy::value_from_json(context_json, *context_type)
                                : policy::value_from_json(context_json);
    if (!context) fail(ErrorKind::bad_input, "--context: " + context.error());
    request.context = *context;
    const auto response = policy::authorize(policies, request, entities);
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : response.errors) errors.push_back({{"policy", e.policy_id}, {"message", e.message}});
    print_json({{"decision", response.decision == policy::Decision::Allow ? "allow" : "deny"},
                {"reasons", response.reasons},
                {"errors", errors}});
  });
}

void add_policy_test(CLI::App& policy, int& exit_code) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = policy.add_subcommand(
      "test", "Run every Cedar integration-test file under DIR; prints failing cases and `N passed, N failed`");
  cmd->add_option("DIR", *dir, "Folder of test files; the paths they name are relative to it")->required();
  cmd->callback([dir, &exit_code] {
    const std::filesystem::path root(*dir);
    if (!std::filesystem::is_directory(root)) fail(ErrorKind::bad_input, *dir + " is not a directory");
    std::size_t passed = 0, failed = 0;
    for (const auto& file : policy::find_conformance_files(root)) {
      for (const auto& result : policy::run_conformance_file(root, file)) {
        if (result.passed) {
          ++passed;
          continue;
        }
        ++failed;
        std::cout << "FAIL " << result.name << "\n  " << result.detail << "\n";
      }
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    if (failed > 0 || passed == 0) exit_code = kExitCheckFailed;
  });
}

}  // namespace

void add_policy_commands(CLI::App& app, int& exit_code) {
  auto* policy = app.add_subcommand("policy", "Cedar policies");
  policy->require_subcommand(1);
  add_policy_check(*policy, exit_code);
  add_policy_eval(*policy);
  add_policy_test(*policy, exit_code);
}

}  // namespace mandate::cli
