// The CLI against a running `mandate serve`: the real binary with --server
// and --token for the whole workflow, callers proving who they are with
// signed ID tokens and JWT-SVIDs checked against JWKS files. Also: a bad
// credential changes nothing, --as is refused, an unreachable server is an
// environment failure, commands with no endpoint refuse --server.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "support/jwt_signer.h"
#include "support/process.h"
#include "support/server_setup.h"
#include "token/jws.h"
#include "token/private_key.h"

namespace mandate::testing {
namespace {

constexpr const char* kScope = R"([{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}])";

class RemoteCliTest : public ::testing::Test, protected ServerCallers {
 protected:
  void SetUp() override {
    ASSERT_EQ(local({"--home", home, "init", "--origin", kOrigin}).exit_code, 0);
    // The first administrator is registered on the home; everyone else through the server.
    ASSERT_EQ(local({"--home", home, "actor", "add", "--kind", "human", "--id", "admin"}).exit_code, 0);
    write_jwks(tmp.path());
    write_file(tmp / "mandate.toml", server_config_text(home, "[listen]\naddress = \"127.0.0.1\"\nport = 0\n"));
    server = std::make_unique<Child>(std::vector<std::string>{MANDATE_BINARY, "serve", "--config", (tmp / "mandate.toml").string()},
                                     tmp / "server.err");
    const auto line = server->read_line(std::chrono::seconds(30));
    ASSERT_TRUE(line) << read_file(tmp / "server.err");
    const auto announced = nlohmann::json::parse(*line);
    ASSERT_EQ(announced["tls"], false);
    url = "http://" + announced["listening"].get<std::string>();
  }

  void TearDown() override {
    if (server) {
      EXPECT_EQ(server->terminate(), 0) << read_file(tmp / "server.err");  // SIGTERM is a clean stop
    }
  }

  static RunResult local(std::vector<std::string> args) {
    args.insert(args.begin(), MANDATE_BINARY);
    return run(args);
  }
  RunResult remote(const std::string& token, std::vector<std::string> args) const {
    args.insert(args.begin(), {MANDATE_BINARY, "--server", url, "--token", token});
    return run(args);
  }
  nlohmann::json remote_json(const std::string& token, const std::vector<std::string>& args) const {
    const RunResult r = remote(token, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  void register_everyone() {
    const auto admin = human("admin");
    for (auto [id, group] : {std::pair{"alice", "dev"}, {"bob", "sre"}, {"carol", "sre"}}) {
      const auto added = remote_json(admin, {"actor", "add", "--kind", "human", "--id", id, "--groups", group});
      EXPECT_EQ(added["id"], id);  // the whole actor, as the local command prints it
      EXPECT_GT(added["ledger_index"].get<std::uint64_t>(), 0u);
    }
    // Local by nature: --server changes nothing for keygen.
    const auto pub = remote_json(admin, {"actor", "keygen", "--out", key_file});
    write_file(tmp / "deployer.jwk", pub["jwk"].dump());
    remote_json(admin, {"actor", "add", "--kind", "workload", "--id", kDeployer, "--owner", "alice", "--groups", "deployers",
                        "--key", "@" + (tmp / "deployer.jwk").string()});
    remote_json(admin, {"actor", "add", "--kind", "workload", "--id", kResourceServer, "--owner", "alice"});
    write_file(tmp / "rules.toml", kProdRules);
    EXPECT_EQ(remote_json(admin, {"rules", "load", (tmp / "rules.toml").string()})["rules"], nlohmann::json({"prod"}));
    write_file(tmp / "policies.cedar", kDeployersPolicy);
    EXPECT_EQ(remote_json(admin, {"policy", "load", (tmp / "policies.cedar").string()})["policies"], 1);
  }

  std::string prove(const std::string& mandate, const std::string& resource) const {
    const RunResult r = local({"token", "prove", "--key", key_file, "--token", mandate, "--action", "deploy", "--resource", resource});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }

  TempDir tmp;
  std::string home = (tmp / "home").string();
  std::string key_file = (tmp / "deployer.pem").string();
  std::unique_ptr<Child> server;
  std::string url;
};

TEST_F(RemoteCliTest, TheWholeWorkflowThroughTheServer) {
  register_everyone();
  EXPECT_EQ(remote_json(human("carol"), {"actor", "list"}).size(), 6u);
  EXPECT_EQ(remote_json(human("carol"), {"actor", "show", kDeployer})["owner"], "alice");

  const std::string task = remote_json(human("alice"), {"task", "request", "--intent", "Deploy payments 2.3", "--executor", kDeployer,
                                                        "--scope", kScope, "--duration", "30m"})["task"];
  EXPECT_EQ(remote_json(human("bob"), {"approve", task, "--comment", "diff reviewed"})["rule_status"], "pending");
  EXPECT_EQ(remote_json(human("carol"), {"approve", task})["task_state"], "approved");

  // The workload gets its mandate with its own JWT-SVID, read from a file.
  write_file(tmp / "svid.jwt", workload(kDeployer) + "\n");
  const auto issued = remote_json("@" + (tmp / "svid.jwt").string(), {"token", "issue", task});
  const std::string mandate = issued["token"];
  EXPECT_EQ(remote_json(human("carol"), {"task", "show", task})["state"], "active");

  // The resource server asks; a deny is exit 1, as locally.
  const auto allowed = remote(workload(kResourceServer), {"authorize", "--token", mandate, "--proof", prove(mandate, "prod/payments"),
                                                          "--action", "deploy", "--resource", "prod/payments"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_EQ(nlohmann::json::parse(allowed.out)["decision"], "allow");
  const auto denied = remote(workload(kResourceServer), {"authorize", "--token", mandate, "--proof", prove(mandate, "prod/ledger"),
                                                         "--action", "deploy", "--resource", "prod/ledger"});
  ASSERT_EQ(denied.exit_code, 1) << denied.err;
  EXPECT_EQ(nlohmann::json::parse(denied.out)["decision"], "deny");

  EXPECT_EQ(remote_json(workload(kDeployer), {"task", "complete", task, "--outcome", "success", "--result-digest", "sha256:00"})["state"],
            "completed");

  // The investigator: trace in JSON and text, evidence verified offline.
  EXPECT_FALSE(remote_json(human("carol"), {"trace", task, "--format", "json"}).empty());
  const auto text = remote(human("carol"), {"trace", task});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find(task), std::string::npos) << text.out;
  const auto bundle = remote(human("carol"), {"evidence", "export", task});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  write_file(tmp / "bundle.json", bundle.out);
  const auto verified = local({"evidence", "verify", (tmp / "bundle.json").string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_EQ(nlohmann::json::parse(verified.out)["valid"], true);

  // The ledger as a transparency log.
  const auto checkpoint = remote(human("carol"), {"ledger", "checkpoint"});
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
  EXPECT_TRUE(checkpoint.out.starts_with(std::string(kOrigin) + "\n")) << checkpoint.out;
  const auto entry = remote(human("carol"), {"ledger", "entry", "0"});
  ASSERT_EQ(entry.exit_code, 0) << entry.err;
  EXPECT_TRUE(nlohmann::json::parse(entry.out).is_object());
  EXPECT_TRUE(remote_json(human("carol"), {"ledger", "proof", "inclusion", "1"}).is_object());
  EXPECT_TRUE(remote_json(human("carol"), {"ledger", "proof", "consistency", "1", "2"}).is_object());
}

TEST_F(RemoteCliTest, ABadCredentialIsRefusedWithTheServersReasonAndChangesNothing) {
  JwtSigner rogue{.kid = "idp-1"};  // the right kid, the wrong key
  const std::string forged = rogue.sign({{"iss", kIdp}, {"aud", kAudience}, {"sub", "admin"}});
  auto r = remote(forged, {"actor", "add", "--kind", "human", "--id", "mallory"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(forged), std::string::npos) << "the token is never printed";
  EXPECT_TRUE(r.out.empty());

  // A registered human who does not administer: 403 with the reason.
  ASSERT_EQ(remote(human("admin"), {"actor", "add", "--kind", "human", "--id", "alice"}).exit_code, 0);
  r = remote(human("alice"), {"actor", "add", "--kind", "human", "--id", "mallory"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("administrators"), std::string::npos) << r.err;

  r = run({MANDATE_BINARY, "--server", url, "actor", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no credentials"), std::string::npos) << r.err;

  EXPECT_EQ(remote_json(human("admin"), {"actor", "list"}).size(), 2u);
}

TEST_F(RemoteCliTest, AsIsRefusedWithTheServerBecauseTheCredentialSaysWhoActs) {
  register_everyone();
  const std::string task = remote_json(human("alice"), {"task", "request", "--intent", "x", "--executor", kDeployer,
                                                        "--scope", kScope, "--duration", "30m"})["task"];
  const auto r = remote(human("bob"), {"approve", task, "--as", "carol"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--as cannot be used with --server"), std::string::npos) << r.err;
  EXPECT_EQ(remote_json(human("bob"), {"task", "show", task})["approvals"].size(), 0u);
}

TEST_F(RemoteCliTest, CommandsWithNoEndpointRefuseTheServer) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"ledger", "verify"}, {"init", "--origin", "x"},
                                               {"keys", "list"}, {"serve"}}) {
    const auto r = remote(human("admin"), args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_NE(r.err.find("local home only"), std::string::npos) << r.err;
  }
  EXPECT_EQ(run({MANDATE_BINARY, "--home", home, "--server", url, "actor", "list"}).exit_code, 2);
}

TEST(RemoteCli, AnUnreachableServerIsAnEnvironmentFailure) {
  const auto r = run({MANDATE_BINARY, "--server", "http://127.0.0.1:1", "--token", "x", "actor", "list"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot reach the server"), std::string::npos) << r.err;
}

TEST(RemoteCli, ACredentialIsNeverSentInTheClearToAnotherMachine) {
  const auto r = run({MANDATE_BINARY, "--server", "http://mandate.example", "--token", "secret-token", "actor", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("https://"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("secret-token"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mandate::testing
