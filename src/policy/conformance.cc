#include "policy/conformance.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "policy/authorizer.h"
#include "policy/entities.h"
#include "policy/parser.h"
#include "policy/schema.h"
#include "policy/validator.h"

namespace mandate::policy {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::set<std::string> id_set(const nlohmann::json& list) {
  std::set<std::string> out;
  for (const auto& item : list) out.insert(item.get<std::string>());
  return out;
}

std::string join(const std::set<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return "{" + out + "}";
}

struct Fixture {
  std::optional<PolicySet> policies;
  std::optional<Schema> schema;
  std::optional<Entities> entities;
  std::string problem;
  std::string validation_mismatch;  // non-empty: strict validation disagrees with shouldValidate
};

std::string check_validation(const PolicySet& policies, const Schema& schema, const nlohmann::json& test) {
  if (!test.contains("shouldValidate") || !test["shouldValidate"].is_boolean()) return {};
  const bool want = test["shouldValidate"].get<bool>();
  const ValidationResult result = validate(policies, schema);
  if (result.passed() == want) return {};
  std::string detail = std::string("validation ") + (result.passed() ? "passed" : "failed") + ", want " +
                       (want ? "passed" : "failed");
  for (const auto& e : result.errors) detail += "\n    " + e.to_string();
  return detail;
}

std::string read_named(const fs::path& root, const nlohmann::json& test, const char* key, std::string& problem) {
  if (!test.contains(key) || !test[key].is_string()) {
    problem = std::string("no \"") + key + "\" path";
    return {};
  }
  auto text = read_text(root / test[key].get<std::string>());
  if (!text) problem = "cannot read " + test[key].get<std::string>();
  return text.value_or("");
}

Fixture load_fixture(const fs::path& root, const nlohmann::json& test) {
  Fixture f;
  const std::string policies_text = read_named(root, test, "policies", f.problem);
  if (!f.problem.empty()) return f;
  auto policies = parse_policies(policies_text);
  if (!policies) {
    f.problem = "policies: " + policies.error().to_string();
    return f;
  }
  f.policies = std::move(*policies);
  // As the reference harness does, entities and context are read with the
  // test's schema when there is one.
  if (test.contains("schema") && test["schema"].is_string()) {
    const std::string schema_path = test["schema"].get<std::string>();
    const auto text = read_text(root / schema_path);
    if (!text) {
      f.problem = "cannot read " + schema_path;
      return f;
    }
    auto schema = load_schema(*text, schema_path);
    if (!schema) {
      f.problem = "schema " + schema_path + ": " + schema.error();
      return f;
    }
    f.schema = std::move(*schema);
    f.validation_mismatch = check_validation(*f.policies, *f.schema, test);
  }
  const std::string entities_text = read_named(root, test, "entities", f.problem);
  if (!f.problem.empty()) return f;
  nlohmann::json entities_json = nlohmann::json::parse(entities_text, nullptr, false);
  if (entities_json.is_discarded()) {
    f.problem = "entities: not valid JSON";
    return f;
  }
  if (f.schema) entities_json = with_schema_actions(std::move(entities_json), *f.schema);
  auto entities = entities_from_json(entities_json, f.schema ? &*f.schema : nullptr);
  if (!entities) {
    f.problem = "entities: " + entities.error();
    return f;
  }
  f.entities = std::move(*entities);
  return f;
}

ConformanceCase run_request(const Fixture& f, const nlohmann::json& req, std::string name) {
  ConformanceCase result;
  result.name = std::move(name);
  auto principal = uid_from_json(req.at("principal"));
  auto action = uid_from_json(req.at("action"));
  auto resource = uid_from_json(req.at("resource"));
  const nlohmann::json context_json = req.contains("context") ? req.at("context") : nlohmann::json::object();
  const SchemaType* context_type = nullptr;
  if (f.schema && action) {
    const auto it = f.schema->action_context.find(action->type + "::" + action->id);
    if (it != f.schema->action_context.end()) context_type = &it->second;
  }
  auto context = context_type ? value_from_json(context_json, *context_type) : value_from_json(context_json);
  if (!principal || !action || !resource || !context) {
    result.detail = "the request's principal, action, resource or context is malformed";
    return result;
  }
  Request request{*principal, *action, *resource, *context};
  const Response response = authorize(*f.policies, request, *f.entities);
  const std::string decision = response.decision == Decision::Allow ? "allow" : "deny";
  const std::set<std::string> reasons(response.reasons.begin(), response.reasons.end());
  std::set<std::string> errors;
  for (const auto& e : response.errors) errors.insert(e.policy_id);
  const std::string want = req.at("decision").get<std::string>();
  const auto want_reasons = id_set(req.at("reason"));
  const auto want_errors = id_set(req.at("errors"));
  result.passed = decision == want && reasons == want_reasons && errors == want_errors;
  if (!result.passed) {
    result.detail = "got " + decision + " " + join(reasons) + " errors " + join(errors) + ", want " + want + " " +
                    join(want_reasons) + " errors " + join(want_errors);
    for (const auto& e : response.errors) result.detail += "\n    " + e.policy_id + ": " + e.message;
  }
  return result;
}

}  // namespace

std::vector<ConformanceCase> run_conformance_file(const fs::path& root, const fs::path& file) {
  const std::string rel = fs::relative(file, root).string();
  auto fail_file = [&](const std::string& why) { return std::vector<ConformanceCase>{{rel, false, why}}; };
  const auto text = read_text(file);
  if (!text) return fail_file("cannot read the test file");
  nlohmann::json test;
  try {
    test = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return fail_file(std::string("not JSON: ") + e.what());
  }
  if (!test.is_object() || !test.contains("requests") || !test["requests"].is_array()) {
    return fail_file("not a test file: no \"requests\" array");
  }
  const Fixture fixture = load_fixture(root, test);
  std::vector<ConformanceCase> results;
  std::size_t index = 0;
  for (const auto& req : test["requests"]) {
    std::string name = rel + "#" + std::to_string(index++) + ": " +
                       (req.is_object() ? req.value("description", "") : std::string());
    if (!fixture.problem.empty() || !fixture.validation_mismatch.empty()) {
      results.push_back(
          {std::move(name), false, fixture.problem.empty() ? fixture.validation_mismatch : fixture.problem});
      continue;
    }
    try {
      results.push_back(run_request(fixture, req, std::move(name)));
    } catch (const nlohmann::json::exception& e) {
      results.push_back({std::move(name), false, std::string("malformed request: ") + e.what()});
    }
  }
  return results;
}

std::vector<fs::path> find_conformance_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    const auto text = read_text(entry.path());
    if (!text) continue;
    // Entities files are arrays and schemas have no "requests": only test
    // files qualify. A malformed .json is offered, so that it is reported.
    const auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded() || (json.is_object() && json.contains("requests"))) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace mandate::policy
