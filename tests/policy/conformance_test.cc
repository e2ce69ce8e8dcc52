// Runs the Cedar integration-test cases (../shared/conformance/cedar) through
// parser, entity loader and authorizer, comparing decision, reasons and
// erroring policies as sets. The schema is used only to read entities and
// context JSON; `shouldValidate` is not checked yet (no validator).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "policy/authorizer.h"
#include "policy/parser.h"
#include "policy/schema.h"

namespace mandate::policy {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = fs::path(MANDATE_SHARED_DIR) / "conformance" / "cedar";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct CaseResult {
  std::string name;  // "<test file>#<index>: <description>"
  bool passed = false;
  std::string detail;
};

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

// One test file: every request is one case.
std::vector<CaseResult> run_test_file(const fs::path& file) {
  std::vector<CaseResult> results;
  const auto test = nlohmann::json::parse(read_text(file));
  const std::string rel = fs::relative(file, kRoot).string();
  const auto policies = parse_policies(read_text(kRoot / test.at("policies").get<std::string>()));
  // As the reference harness does, entities and context are read with the
  // test's schema when it parses; otherwise without one.
  std::optional<Schema> schema;
  if (test.contains("schema") && test["schema"].is_string()) {
    if (auto parsed = parse_schema(read_text(kRoot / test["schema"].get<std::string>())))
      schema = std::move(*parsed);
  }
  const Schema* schema_ptr = schema ? &*schema : nullptr;
  const auto entities = parse_entities(read_text(kRoot / test.at("entities").get<std::string>()), schema_ptr);
  std::size_t index = 0;
  for (const auto& req : test.at("requests")) {
    CaseResult result;
    result.name = rel + "#" + std::to_string(index++) + ": " + req.value("description", "");
    if (!policies) {
      result.detail = "policy parse error " + policies.error().to_string();
      results.push_back(std::move(result));
      continue;
    }
    if (!entities) {
      result.detail = "entities error " + entities.error();
      results.push_back(std::move(result));
      continue;
    }
    Request request;
    auto principal = uid_from_json(req.at("principal"));
    auto action = uid_from_json(req.at("action"));
    auto resource = uid_from_json(req.at("resource"));
    const nlohmann::json context_json =
        req.contains("context") ? req.at("context") : nlohmann::json::object();
    const SchemaType* context_type = nullptr;
    if (schema_ptr != nullptr && principal && action) {
      const auto it = schema_ptr->action_context.find(action->type + "::" + action->id);
      if (it != schema_ptr->action_context.end()) context_type = &it->second;
    }
    auto context =
        context_type ? value_from_json(context_json, *context_type) : value_from_json(context_json);
    if (!principal || !action || !resource || !context) {
      result.detail = "bad request JSON";
      results.push_back(std::move(result));
      continue;
    }
    request.principal = *principal;
    request.action = *action;
    request.resource = *resource;
    request.context = *context;
    const Response response = authorize(*policies, request, *entities);
    const std::string decision = response.decision == Decision::Allow ? "allow" : "deny";
    const std::set<std::string> reasons(response.reasons.begin(), response.reasons.end());
    std::set<std::string> errors;
    for (const auto& e : response.errors) errors.insert(e.policy_id);
    const auto want_reasons = id_set(req.at("reason"));
    const auto want_errors = id_set(req.at("errors"));
    result.passed =
        decision == req.at("decision").get<std::string>() && reasons == want_reasons && errors == want_errors;
    if (!result.passed) {
      result.detail = "got " + decision + " " + join(reasons) + " errors " + join(errors) + ", want " +
                      req.at("decision").get<std::string>() + " " + join(want_reasons) + " errors " +
                      join(want_errors);
      for (const auto& e : response.errors) result.detail += "\n    " + e.policy_id + ": " + e.message;
    }
    results.push_back(std::move(result));
  }
  return results;
}

std::vector<fs::path> test_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    // Test files are the .json files that are not entities files.
    if (entry.path().extension() == ".json" && name.find(".entities.") == std::string::npos) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(CedarConformance, HandWrittenCases) {
  int passed = 0, total = 0, failed = 0;
  for (const char* folder : {"example_use_cases", "multi", "ip", "decimal"}) {
    for (const auto& file : test_files(kRoot / "tests" / folder)) {
      for (const auto& result : run_test_file(file)) {
        ++total;
        if (result.passed) {
          ++passed;
          continue;
        }
        ++failed;
        ADD_FAILURE() << result.name << "\n  " << result.detail;
      }
    }
  }
  std::cout << "hand-written cedar cases: " << passed << " passed, " << (total - passed) << " failed\n";
  EXPECT_EQ(failed, 0);
}

// The generated corpus: every request must match the reference's decision,
// reasons and errors. MANDATE_CEDAR_VERBOSE lists every failing case.
void check_folder(const char* folder) {
  int passed = 0, total = 0, shown = 0;
  for (const auto& file : test_files(kRoot / folder)) {
    for (const auto& result : run_test_file(file)) {
      ++total;
      if (result.passed) {
        ++passed;
      } else if (shown++ < 20 || std::getenv("MANDATE_CEDAR_VERBOSE") != nullptr) {
        ADD_FAILURE() << result.name << "\n  " << result.detail;
      }
    }
  }
  std::cout << folder << ": " << passed << " passed, " << (total - passed) << " failed\n";
  EXPECT_EQ(passed, total);
  EXPECT_GT(total, 0) << "no cases found under " << folder;
}

TEST(CedarConformance, CorpusCases) { check_folder("corpus-tests"); }

// datetime/duration, entity tags and isEmpty.
TEST(CedarConformance, ExtendedCorpusCases) { check_folder("corpus-tests-extended"); }

}  // namespace
}  // namespace mandate::policy
