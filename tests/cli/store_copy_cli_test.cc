// Moving a home from SQLite to PostgreSQL through the real binary
// (`mandate store copy`): a real workflow copied into a real database, the
// new home verified, traced and deciding with a mandate issued before the
// move; and the refusals, which leave no new home behind.
#include "cli/cli_fixture.h"

#include <sys/stat.h>

#include <filesystem>

#include "support/files.h"
#include "support/postgres.h"

namespace mandate::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kWorkload = "spiffe://example.org/ci/deployer";
constexpr const char* kScope = R"([{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}])";

class StoreCopyCliTest : public CliTest {
 protected:
  std::string key_file = (tmp / "deployer.pem").string();
  std::string moved = (tmp / "moved").string();
  TestDatabase database = TestDatabase::create();
  std::string task;
  std::string token;

  void SetUp() override {
    init();
    for (auto [id, groups] : {std::pair{"alice", "dev"}, {"bob", "sre"}, {"carol", "sre"}}) {
      ASSERT_EQ(mandate({"actor", "add", "--kind", "human", "--id", id, "--groups", groups}).exit_code, 0);
    }
    const auto pub = mandate_json({"actor", "keygen", "--out", key_file});
    write_file(tmp / "deployer.jwk", pub["jwk"].dump());
    ASSERT_EQ(mandate({"actor", "add", "--kind", "workload", "--id", kWorkload, "--owner", "alice", "--key",
                       "@" + (tmp / "deployer.jwk").string(), "--groups", "deployers"}).exit_code, 0);
    write_file(tmp / "rules.toml", R"([[rule]]
id = "prod-deploy"
detail_types = ["deploy"]
approvals = 2
approver_groups = ["sre"]
max_task_duration = "1h"
max_mandate_lifetime = "10m"
max_uses = 5
)");
    ASSERT_EQ(mandate({"rules", "load", (tmp / "rules.toml").string()}).exit_code, 0);
    write_file(tmp / "policies.cedar", R"(@id("deploys-by-registered-workloads")
permit (principal is Workload, action == Action::"deploy", resource)
when { principal in Group::"deployers" };
)");
    ASSERT_EQ(mandate({"policy", "load", (tmp / "policies.cedar").string()}).exit_code, 0);
    task = mandate_json({"task", "request", "--as", "alice", "--intent", "Deploy payments v2.3.1", "--executor", kWorkload,
                         "--scope", kScope, "--duration", "30m"})["task"];
    ASSERT_EQ(mandate({"approve", task, "--as", "bob"}).exit_code, 0);
    ASSERT_EQ(mandate({"approve", task, "--as", "carol"}).exit_code, 0);
    token = mandate_json({"token", "issue", task})["token"];
    ASSERT_EQ(decide(home).exit_code, 0);
    ASSERT_EQ(mandate({"ledger", "checkpoint"}).exit_code, 0);
    append_n(3);
    ASSERT_EQ(mandate({"ledger", "checkpoint"}).exit_code, 0);
  }

  RunResult at(const std::string& dir, std::vector<std::string> args) {
    args.insert(args.begin(), {MANDATE_BINARY, "--home", dir});
    return run(args);
  }
  RunResult copy(const std::string& url, const std::string& into, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"store", "copy", "--to-url", url, "--into", into, "--rows-per-transaction", "4"};
    args.insert(args.end(), extra.begin(), extra.end());
    return mandate(args);
  }
  // An allowed deploy with the mandate issued before the move, on `dir`.
  RunResult decide(const std::string& dir) {
    const auto proof = at(dir, {"token", "prove", "--key", key_file, "--token", token, "--action", "deploy", "--resource",
                                "prod/payments"});
    EXPECT_EQ(proof.exit_code, 0) << proof.err;
    return at(dir, {"authorize", "--token", token, "--proof", proof.out.substr(0, proof.out.find('\n')), "--action",
                    "deploy", "--resource", "prod/payments"});
  }
  static unsigned mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }
};

TEST_F(StoreCopyCliTest, TheNewHomeHoldsTheSameLedgerAndStateAndDecides) {
  const auto source = mandate_json({"ledger", "info"});
  const auto trace_before = mandate({"trace", task, "--format", "json"});
  ASSERT_EQ(trace_before.exit_code, 0);
  write_file(tmp / "db.password", "not-needed-on-loopback\n", 0600);

  const auto copied = copy(database.url(), moved, {"--password-file", (tmp / "db.password").string()});
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  const auto report = nlohmann::json::parse(copied.out);
  EXPECT_EQ(report["entries"], source["size"]);
  EXPECT_EQ(report["root_hash"], source["root_hash"]);
  EXPECT_EQ(report["checkpoints_matched"], 2);
  EXPECT_EQ(report["records"]["task"], 1);
  EXPECT_EQ(report["records"]["actor"], 4);
  EXPECT_EQ(copied.out.find("not-needed-on-loopback"), std::string::npos);
  EXPECT_EQ(copied.err.find("not-needed-on-loopback"), std::string::npos);

  // The new home: PostgreSQL, no SQLite file, the same keys, kept private.
  EXPECT_FALSE(fs::exists(fs::path(moved) / "mandate.db"));
  EXPECT_EQ(mode_of(moved), 0700u);
  EXPECT_EQ(mode_of(fs::path(moved) / "keys"), 0700u);
  for (const auto& key : fs::directory_iterator(fs::path(moved) / "keys")) EXPECT_EQ(mode_of(key.path()), 0600u);
  const auto status = nlohmann::json::parse(at(moved, {"store", "status"}).out);
  EXPECT_EQ(status["backend"], "postgresql");

  const auto verified = at(moved, {"ledger", "verify"});
  ASSERT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  const auto verify_json = nlohmann::json::parse(verified.out);
  EXPECT_EQ(verify_json["root_hash"], source["root_hash"]);
  EXPECT_EQ(verify_json["checkpoints_checked"], 2);
  const auto trace_after = at(moved, {"trace", task, "--format", "json"});
  ASSERT_EQ(trace_after.exit_code, 0) << trace_after.err;
  EXPECT_EQ(nlohmann::json::parse(trace_after.out), nlohmann::json::parse(trace_before.out));
  EXPECT_EQ(at(moved, {"trace", task}).out, mandate({"trace", task}).out);

  // The mandate issued before the move is honoured, counted on from its uses there.
  const auto decided = decide(moved);
  ASSERT_EQ(decided.exit_code, 0) << decided.out << decided.err;
  EXPECT_EQ(nlohmann::json::parse(decided.out)["decision"], "allow");
  EXPECT_EQ(at(moved, {"ledger", "verify"}).exit_code, 0);
  // The source is left as it was.
  EXPECT_EQ(mandate_json({"ledger", "info"}), source);
}

// Imported audit events move too, with their ids: the same events, the
// same sessions linked, the same findings.
TEST_F(StoreCopyCliTest, ImportedAuditEventsMoveWithTheirLinks) {
  const std::string samples = std::string(MANDATE_SHARED_DIR) + "/samples/cloudtrail/";
  const auto ingested = mandate({"ingest", "cloudtrail",
                                 samples + "stratus-red-team_detonation-logs/aws.defense-evasion.organizations-leave.json",
                                 samples + "awsdocs_cloudtrail-user-guide_examples/examples.jsonl"});
  ASSERT_EQ(ingested.exit_code, 0) << ingested.err;
  const auto events_before = mandate({"events"});
  const auto findings_before = mandate({"analyze"});
  ASSERT_EQ(events_before.exit_code, 0) << events_before.err;

  const auto copied = copy(database.url(), moved);
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_EQ(nlohmann::json::parse(copied.out)["events"], 22);
  EXPECT_EQ(at(moved, {"events"}).out, events_before.out);
  EXPECT_EQ(at(moved, {"analyze"}).out, findings_before.out);
}

TEST_F(StoreCopyCliTest, ADatabaseThatHoldsAStoreIsRefusedAndNoHomeIsMade) {
  ASSERT_EQ(copy(database.url(), moved).exit_code, 0);
  const std::string again = (tmp / "again").string();
  const auto refused = copy(database.url(), again);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("already holds a mandate store"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(again));
  // Nor into a directory that exists, nor from a home that is already on PostgreSQL.
  const TestDatabase other = TestDatabase::create();
  EXPECT_EQ(copy(other.url(), moved).exit_code, 2);
  const auto from_postgresql = at(moved, {"store", "copy", "--to-url", other.url(), "--into", again});
  EXPECT_EQ(from_postgresql.exit_code, 2) << from_postgresql.err;
  EXPECT_FALSE(fs::exists(again));
  // Bad input is refused before anything connects.
  EXPECT_EQ(copy("postgresql://u:secret@127.0.0.1/x", again).exit_code, 2);
  EXPECT_EQ(copy(other.url(), again, {"--password-file", "a", "--password-env", "B"}).exit_code, 2);
  EXPECT_FALSE(fs::exists(again));
  EXPECT_EQ(pg_value(other.connect().get(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");
}

TEST_F(StoreCopyCliTest, ADamagedSourceIsRefusedByTheProof) {
  sql("UPDATE ledger_entry SET body = CAST(replace(CAST(body AS TEXT), 'Deploy payments', 'Deploy paymentz') AS BLOB)");
  const auto refused = copy(database.url(), moved);
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("the copy does not verify"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("drop and recreate"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(moved));
  // The partial copy has no origin: no home can open it by mistake.
  EXPECT_EQ(pg_value(database.connect().get(), "SELECT count(*) FROM mandate_meta WHERE key = 'origin'"), "0");
}

}  // namespace
}  // namespace mandate::testing
