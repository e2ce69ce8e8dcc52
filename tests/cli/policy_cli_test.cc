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

TEST_F(CliTest, PolicyCheckNamesFileLineAndColumn) {
  write_file(tmp / "bad.cedar", "permit(principal, action, resource)\nwhen { 1 + };\n");
  const RunResult r = mandate({"policy", "check", (tmp / "bad.cedar").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.cedar:2:12:"), std::string::npos) << r.err;
  write_file(tmp / "good.cedar", "permit(principal, action, resource);\nforbid(principal, action, resource) when { false };\n");
  const auto ok = mandate_json({"policy", "check", (tmp / "good.cedar").string()});
  EXPECT_EQ(ok["policies"], nlohmann::json::array({"policy0", "policy1"}));
}

}  // namespace
}  // namespace mandate::testing
