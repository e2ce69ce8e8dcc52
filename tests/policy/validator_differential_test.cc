// Differential test of strict validation against the reference validator
// (cedar-wasm, run with Node): seeded random policies, including templates,
// over one schema; the valid/invalid outcome, and whether the policy's scope
// lets no action apply (a warning since Cedar 4.13), must agree for every
// policy.
// Skipped when Node or the npm packages (`npm ci`) are not installed.
// MANDATE_VALIDATOR_SEED picks another seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "policy/parser.h"
#include "policy/schema.h"
#include "policy/validator.h"
#include "support/process.h"

namespace mandate::policy {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSchema = R"(
namespace App {
  type Addr = { street: String, zip?: Long };
  entity Group;
  entity User in [Group] = { name: String, age?: Long, addr: Addr, tags: Set<String>, manager?: User, ip: ipaddr,
                             score: decimal, born: datetime, wait: duration, rec?: { a: Long, b?: String } } tags String;
  entity Doc in [Folder] = { owner: User, public: Bool, labels: Set<Long> };
  entity Folder in [Folder];
  entity Color enum ["red", "green"];
  action read, write appliesTo { principal: [User], resource: [Doc, Folder], context: { ip: ipaddr, n?: Long, flag: Bool } };
  action admin in [write] appliesTo { principal: User, resource: Doc, context: {} };
  action paint appliesTo { principal: User, resource: Color };
}
)";

TEST(PolicyValidatorDifferential, AgreesWithCedarWasm) {
  const fs::path project(MANDATE_SOURCE_DIR);
  // A missing reference is a failure, not a skip: a green run must mean the
  // comparison was made (as the jose interop tests do).
  if (testing::run({"node", "--version"}).exit_code != 0) {
    GTEST_FAIL() << "node is not installed or not on PATH: the reference validator (cedar-wasm) runs on it";
  }
  if (!fs::exists(project / "node_modules/@cedar-policy/cedar-wasm")) {
    GTEST_FAIL() << "@cedar-policy/cedar-wasm is not installed in " << (project / "node_modules")
                 << ": run scripts/install-deps.sh";
  }
  const char* env_seed = std::getenv("MANDATE_VALIDATOR_SEED");
  const std::string seed = env_seed ? env_seed : "20261128";
  const testing::TempDir tmp;
  testing::write_file(tmp / "schema.cedarschema", kSchema);
  const auto reference = testing::run({"node", "--no-opt", (project / "tests/policy/validator_reference.js").string(),
                                       project.string(), (tmp / "schema.cedarschema").string(), seed, "300"});
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const auto cases = nlohmann::json::parse(reference.out);
  ASSERT_GT(cases.size(), 200u);  // some random texts are not valid Cedar and are dropped

  const auto schema = parse_schema(kSchema);
  ASSERT_TRUE(schema.has_value()) << schema.error().to_string();
  int valid = 0;
  for (const auto& c : cases) {
    const std::string text = c["policy"];
    const auto policies = parse_policies(text);
    ASSERT_TRUE(policies.has_value()) << "seed " << seed << ": " << text << "\n  " << policies.error().to_string();
    const auto result = validate(*policies, *schema);
    const bool want = c["valid"];
    valid += want;
    EXPECT_EQ(result.passed(), want) << "seed " << seed << ": " << text << "\n  "
                                     << (result.errors.empty() ? "no errors" : result.errors[0].to_string());
    const bool warned = std::any_of(result.warnings.begin(), result.warnings.end(), [](const ValidationIssue& w) {
      return w.message.find("unable to find an applicable action") != std::string::npos;
    });
    EXPECT_EQ(warned, c["no_applicable_action"].get<bool>()) << "seed " << seed << ": " << text;
  }
  // The generator must exercise both outcomes.
  EXPECT_GT(valid, 30);
  EXPECT_LT(valid, static_cast<int>(cases.size()) - 30);
}

}  // namespace
}  // namespace mandate::policy
