// `mandate policy test DIR` over the shared Cedar conformance cases and over
// hand-made test files that must fail.
#include "cli/cli_fixture.h"

namespace mandate::testing {
namespace {

TEST_F(CliTest, PolicyTestPassesEverySharedConformanceCase) {
  const RunResult r = mandate({"policy", "test", std::string(MANDATE_SHARED_DIR) + "/conformance/cedar"});
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 4000) << r.err;
  EXPECT_EQ(r.out, "4530 passed, 0 failed\n");
}

TEST_F(CliTest, PolicyTestReportsAWrongExpectationAndExits1) {
  std::filesystem::create_directories(tmp / "cases" / "sub");
  write_file(tmp / "cases" / "policies.cedar", "permit(principal == User::\"alice\", action, resource);\n");
  write_file(tmp / "cases" / "entities.json", "[]");
  const std::string request =
      R"({"description":"%D","principal":{"type":"User","id":"%P"},"action":{"type":"Action","id":"view"},)"
      R"("resource":{"type":"Photo","id":"p"},"context":{},"decision":"%W","reason":[%R],"errors":[]})";
  auto make = [&](std::string d, std::string p, std::string w, std::string reason) {
    std::string out = request;
    out.replace(out.find("%D"), 2, d);
    out.replace(out.find("%P"), 2, p);
    out.replace(out.find("%W"), 2, w);
    out.replace(out.find("%R"), 2, reason);
    return out;
  };
  write_file(tmp / "cases" / "sub" / "t.json",
             R"({"policies":"policies.cedar","entities":"entities.json","shouldValidate":false,"requests":[)" +
                 make("alice may", "alice", "allow", "\"policy0\"") + "," +
                 make("bob may not, but the file says he may", "bob", "allow", "\"policy0\"") + "]}");
  write_file(tmp / "cases" / "broken.json", "{\"requests\": [");
  const RunResult r = mandate({"policy", "test", (tmp / "cases").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL sub/t.json#1: bob may not"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("got deny {} errors {}, want allow {policy0}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL broken.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n1 passed, 2 failed\n"), std::string::npos) << r.out;
}

// The harness compares strict validation with `shouldValidate`, and actions
// declared only in the schema (with their groups) take part in authorization.
TEST_F(CliTest, PolicyTestChecksValidationAndUsesSchemaActions) {
  std::filesystem::create_directories(tmp / "v");
  write_file(tmp / "v" / "schema.cedarschema",
             "entity User; entity Photo;\naction all;\n"
             "action view in [all] appliesTo { principal: User, resource: Photo };\n");
  write_file(tmp / "v" / "p.cedar", "permit(principal, action in Action::\"all\", resource);\n");
  write_file(tmp / "v" / "entities.json", "[]");
  const std::string request =
      R"({"description":"view is in all","principal":{"type":"User","id":"u"},"action":{"type":"Action","id":"view"},)"
      R"("resource":{"type":"Photo","id":"p"},"context":{},"decision":"allow","reason":["policy0"],"errors":[]})";
  auto test_file = [&](const char* should) {
    return std::string(R"({"policies":"p.cedar","entities":"entities.json","schema":"schema.cedarschema",)") +
           R"("shouldValidate":)" + should + R"(,"requests":[)" + request + "]}";
  };
  write_file(tmp / "v" / "t.json", test_file("true"));
  const RunResult ok = mandate({"policy", "test", (tmp / "v").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out, "1 passed, 0 failed\n");

  write_file(tmp / "v" / "t.json", test_file("false"));
  const RunResult wrong = mandate({"policy", "test", (tmp / "v").string()});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.out.find("validation passed, want failed"), std::string::npos) << wrong.out;
}

TEST_F(CliTest, PolicyTestRefusesAMissingFolder) {
  const RunResult r = mandate({"policy", "test", (tmp / "nothing").string()});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace mandate::testing

namespace mandate::testing {
namespace {

const std::string kCedar = std::string(MANDATE_SHARED_DIR) + "/conformance/cedar";

TEST_F(CliTest, PolicyEvalDecidesOneRequest) {
  const std::vector<std::string> base = {"policy", "eval", "--policies",
                                         kCedar + "/tests/example_use_cases/policies_1a.cedar", "--entities",
                                         kCedar + "/sample-data/sandbox_a/entities.json", "--action",
                                         "Action::\"view\"", "--resource", "Photo::\"VacationPhoto94.jpg\""};
  auto with = [&](std::string principal) {
    auto args = base;
    args.insert(args.end(), {"--principal", principal});
    return args;
  };
  auto allow = mandate_json(with("User::\"alice\""));
  EXPECT_EQ(allow["decision"], "allow");
  EXPECT_EQ(allow["reasons"], nlohmann::json::array({"policy0"}));
  auto deny = mandate_json(with("User::\"bob\""));
  EXPECT_EQ(deny["decision"], "deny");
  EXPECT_TRUE(deny["reasons"].empty());
  EXPECT_EQ(mandate(with("alice")).exit_code, 2);
}

TEST_F(CliTest, PolicyEvalReadsWithASchema) {
  write_file(tmp / "s.cedarschema",
             "entity User; entity Photo = { owner: User };\naction all;\n"
             "action view in [all] appliesTo { principal: User, resource: Photo, context: { ip: ipaddr } };\n");
  write_file(tmp / "p.cedar",
             "permit(principal, action in Action::\"all\", resource)\n"
             "  when { resource.owner == principal && context.ip.isLoopback() };\n");
  // A bare {"type","id"} is an entity reference and "127.0.0.1" an ipaddr only by the schema.
  write_file(tmp / "e.json", R"([{"uid": {"type": "Photo", "id": "p"}, "parents": [],
                                 "attrs": {"owner": {"type": "User", "id": "alice"}}}])");
  std::vector<std::string> args = {"policy", "eval", "--policies", (tmp / "p.cedar").string(), "--entities",
                                   (tmp / "e.json").string(), "--principal", "User::\"alice\"", "--action",
                                   "Action::\"view\"", "--resource", "Photo::\"p\"", "--context",
                                   R"({"ip": "127.0.0.1"})"};
  const auto plain = mandate_json(args);
  EXPECT_EQ(plain["decision"], "deny");
  args.insert(args.end(), {"--schema", (tmp / "s.cedarschema").string()});
  const auto with_schema = mandate_json(args);
  EXPECT_EQ(with_schema["decision"], "allow") << with_schema.dump();
  EXPECT_EQ(with_schema["reasons"], nlohmann::json::array({"policy0"}));
}

TEST_F(CliTest, PolicyCheckNamesFileLineAndColumn) {
  write_file(tmp / "bad.cedar", "permit(principal, action, resource)\nwhen { 1 + };\n");
  const RunResult r = mandate({"policy", "check", (tmp / "bad.cedar").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.cedar:2:12:"), std::string::npos) << r.err;
  write_file(tmp / "good.cedar", "permit(principal, action, resource);\nforbid(principal, action, resource) when { false };\n");
  const RunResult ok = mandate({"policy", "check", (tmp / "good.cedar").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "ok: 2 policies, 0 templates\n");
}

constexpr const char* kPhotoSchema = R"(
entity User = { age?: Long };
entity Photo = { public: Bool };
action view appliesTo { principal: User, resource: Photo };
)";

TEST_F(CliTest, PolicyCheckWithSchemaValidatesStrictly) {
  write_file(tmp / "schema.cedarschema", kPhotoSchema);
  write_file(tmp / "good.cedar",
             "permit(principal, action == Action::\"view\", resource) when { resource.public };\n"
             "permit(principal == ?principal, action, resource);\n");
  const RunResult ok = mandate({"policy", "check", (tmp / "good.cedar").string(), "--schema",
                                (tmp / "schema.cedarschema").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out, "ok: 1 policies, 1 templates, valid against " + (tmp / "schema.cedarschema").string() + "\n");

  write_file(tmp / "bad.cedar",
             "permit(principal, action, resource)\n  when { principal.age > 1 };\n"
             "forbid(principal, action, resource) when { resource.owner == principal };\n");
  const RunResult bad = mandate({"policy", "check", (tmp / "bad.cedar").string(), "--schema",
                                 (tmp / "schema.cedarschema").string()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("bad.cedar:2:19: for policy `policy0`, unable to guarantee safety of access to optional "
                         "attribute `age`"),
            std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("bad.cedar:3:52: for policy `policy1`, attribute `owner` on entity type Photo not found"),
            std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("2 validation errors"), std::string::npos) << bad.out;
}

// Cedar 4.13: a scope no action applies to is printed as a warning and the
// check succeeds; an error elsewhere in the same file still fails it.
TEST_F(CliTest, PolicyCheckWarnsOfAScopeNoActionAppliesTo) {
  write_file(tmp / "schema.cedarschema", kPhotoSchema);
  write_file(tmp / "p.cedar", "permit(principal is Photo, action == Action::\"view\", resource);\n");
  const RunResult ok =
      mandate({"policy", "check", (tmp / "p.cedar").string(), "--schema", (tmp / "schema.cedarschema").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out, "ok: 1 policies, 0 templates, valid against " + (tmp / "schema.cedarschema").string() + "\n");
  EXPECT_NE(ok.err.find("p.cedar:1:1: for policy `policy0`, unable to find an applicable action given the policy "
                        "scope constraints (warning)"),
            std::string::npos)
      << ok.err;

  write_file(tmp / "p.cedar",
             "permit(principal is Photo, action == Action::\"view\", resource);\n"
             "permit(principal, action, resource) when { principal.age > 1 };\n");
  const RunResult bad =
      mandate({"policy", "check", (tmp / "p.cedar").string(), "--schema", (tmp / "schema.cedarschema").string()});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("1 validation errors"), std::string::npos) << bad.out;
  EXPECT_NE(bad.err.find("unable to find an applicable action"), std::string::npos) << bad.err;
}

TEST_F(CliTest, PolicyCheckReadsJsonSchemasAndRejectsBadOnes) {
  write_file(tmp / "schema.json", R"({"": {
    "entityTypes": {"User": {}, "Photo": {"shape": {"type": "Record", "attributes": {"public": {"type": "Boolean"}}}}},
    "actions": {"view": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Photo"]}}}}})");
  write_file(tmp / "p.cedar", "permit(principal, action, resource) when { resource.public };\n");
  const RunResult ok =
      mandate({"policy", "check", (tmp / "p.cedar").string(), "--schema", (tmp / "schema.json").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;

  write_file(tmp / "broken.json", R"({"": {"entityTypes": {"User": {"memberOfTypes": ["Team"]}}}})");
  const RunResult broken =
      mandate({"policy", "check", (tmp / "p.cedar").string(), "--schema", (tmp / "broken.json").string()});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_NE(broken.err.find("broken.json://entityTypes/User/memberOfTypes/0: undeclared entity type Team"),
            std::string::npos)
      << broken.err;
  write_file(tmp / "broken.cedarschema", "entity User = { team: Team };");
  const RunResult human =
      mandate({"policy", "check", (tmp / "p.cedar").string(), "--schema", (tmp / "broken.cedarschema").string()});
  EXPECT_EQ(human.exit_code, 2);
  EXPECT_NE(human.err.find("broken.cedarschema:1:23: undeclared type Team"), std::string::npos) << human.err;
}

}  // namespace
}  // namespace mandate::testing
