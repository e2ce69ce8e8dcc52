// Several `mandate serve` processes on one PostgreSQL database, as operators
// run them behind a load balancer: the real binary on free loopback ports,
// every further home a copy of the first (config.toml and keys/). Many
// servers, one ledger, no lost decision: use limits hold exactly across
// servers, a proof is accepted once anywhere, a revocation on one server is
// seen by the next decision on another, a server killed with SIGKILL loses
// no decision it answered, and a database outage is answered 503 and
// recovered from without a restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "server/raw_http.h"
#include "support/files.h"
#include "support/postgres.h"
#include "support/process.h"
#include "support/server_setup.h"
#include "token/jws.h"
#include "token/private_key.h"
#include "token/proof.h"

namespace mandate::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One answer a client got: the HTTP status (0: no answer at all, the
// server was gone) and, for a 200, the decision and its ledger index.
struct Answer {
  int status = 0;
  std::string body;
  std::string proof_jti;
  int server = -1;
};

class MultiServerTest : public ::testing::Test, protected ServerCallers {
 protected:
  void TearDown() override {
    for (std::size_t i = 0; i < servers.size(); ++i) {
      if (servers[i]) {
        EXPECT_EQ(servers[i]->terminate(), 0) << "server " << i << ": " << server_errors(i);
      }
    }
  }

  fs::path home(int i) const { return tmp / ("home-" + std::to_string(i)); }

  static RunResult local(std::vector<std::string> args) {
    args.insert(args.begin(), MANDATE_BINARY);
    return run(args);
  }

  // `count` homes on the database at `url`: the first made by `mandate init
  // --store-url`, the others copies of its config and keys.
  void make_homes(const std::string& url, int count) {
    store_url = url;
    const auto made = local({"--home", home(0).string(), "init", "--origin", kOrigin, "--store-url", url});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    const auto admin = local({"--home", home(0).string(), "actor", "add", "--kind", "human", "--id", "admin"});
    ASSERT_EQ(admin.exit_code, 0) << admin.err;
    for (int i = 1; i < count; ++i) {
      fs::create_directories(home(i));
      fs::copy(home(0) / "config.toml", home(i) / "config.toml");
      fs::copy(home(0) / "keys", home(i) / "keys", fs::copy_options::recursive);
    }
    write_jwks(tmp.path());
    servers.resize(static_cast<std::size_t>(count));
    ports.resize(static_cast<std::size_t>(count));
  }

  void start_server(int i) {
    const fs::path config = tmp / ("mandate-" + std::to_string(i) + ".toml");
    write_file(config, server_config_text(home(i).string(), "[listen]\naddress = \"127.0.0.1\"\nport = 0\n"));
    auto& server = servers[static_cast<std::size_t>(i)];
    server = std::make_unique<Child>(std::vector<std::string>{MANDATE_BINARY, "serve", "--config", config.string()},
                                     tmp / ("server-" + std::to_string(i) + ".err"));
    const auto line = server->read_line(30s);
    ASSERT_TRUE(line) << server_errors(i);
    const std::string listening = nlohmann::json::parse(*line)["listening"];
    ports[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(std::stoi(listening.substr(listening.rfind(':') + 1)));
  }

  void start_servers() {
    for (int i = 0; i < static_cast<int>(servers.size()); ++i) {
      ASSERT_NO_FATAL_FAILURE(start_server(i));
    }
  }

  std::string server_errors(std::size_t i) const { return read_file(tmp / ("server-" + std::to_string(i) + ".err")); }

  // One request on a new connection to server `i`; the whole response, or ""
  // when none came (the server is gone).
  std::string call(int i, const std::string& method, const std::string& target, const std::string& bearer = "",
                   const std::string& body = "", const std::string& type = "application/json") const {
    std::string r = method + " " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n";
    if (!bearer.empty()) r += "Authorization: Bearer " + bearer + "\r\n";
    if (!body.empty()) r += "Content-Type: " + type + "\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    try {
      RawConnection c(ports[static_cast<std::size_t>(i)]);
      if (!c.send(r)) return "";
      return c.read_response(30s).value_or("");
    } catch (const std::runtime_error&) {
      return "";  // refused: nobody listens there any more
    }
  }

  nlohmann::json call_json(int i, int status, const std::string& method, const std::string& target,
                           const std::string& bearer, const std::string& body = "",
                           const std::string& type = "application/json") const {
    const std::string r = call(i, method, target, bearer, body, type);
    EXPECT_EQ(status_of(r), status) << method << " " << target << " on server " << i << ": " << r;
    return nlohmann::json::parse(body_of(r), nullptr, false);
  }

  // Everyone, the prod rule (2 approvals from sre, max_uses 3) and the
  // deployers' policy, registered through server `i`.
  void register_everyone(int i) {
    const auto admin = human("admin");
    for (const auto& [id, group] : {std::pair{"alice", "dev"}, {"bob", "sre"}, {"carol", "sre"}}) {
      call_json(i, 201, "POST", "/v1/actors", admin, nlohmann::json{{"id", id}, {"kind", "human"}, {"groups", {group}}}.dump());
    }
    const auto key = nlohmann::json::parse(executor_key.public_key().jwk_json()).dump();
    call_json(i, 201, "POST", "/v1/actors", admin,
              nlohmann::json{{"id", kDeployer}, {"kind", "workload"}, {"owner", "alice"}, {"groups", {"deployers"}}, {"public_key", key}}.dump());
    call_json(i, 201, "POST", "/v1/actors", admin,
              nlohmann::json{{"id", kResourceServer}, {"kind", "workload"}, {"owner", "alice"}}.dump());
    call_json(i, 200, "PUT", "/v1/rules", admin, kProdRules, "application/toml");
    call_json(i, 200, "PUT", "/v1/policies", admin, kDeployersPolicy, "text/plain");
  }

  struct Issued {
    std::string task;
    std::string token;
    std::string jti;
  };

  // A task requested on server `a`, approved on the next two servers, and
  // its mandate issued on the last: every step meets state another process wrote.
  Issued issue_mandate() {
    const int n = static_cast<int>(servers.size());
    const auto task = call_json(0, 201, "POST", "/v1/tasks", human("alice"),
                                R"({"intent":"Deploy payments 2.3","executor":"spiffe://example.org/ci/deployer","duration":"30m",
                                    "scope":[{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}]})");
    Issued issued;
    issued.task = task.value("task", "");
    call_json(1 % n, 200, "POST", "/v1/tasks/" + issued.task + "/approvals", human("bob"), "{}");
    call_json(2 % n, 200, "POST", "/v1/tasks/" + issued.task + "/approvals", human("carol"), R"({"comment":"ok"})");
    const auto mandate = call_json(n - 1, 201, "POST", "/v1/tasks/" + issued.task + "/mandates", workload(kDeployer));
    issued.token = mandate.value("token", "");
    issued.jti = token::decode_compact(issued.token).value().payload.at("jti").get<std::string>();
    return issued;
  }

  std::string prove(const std::string& token) const {
    return token::make_proof(executor_key, token, "deploy", "prod/payments",
                             std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
  }

  static std::string proof_jti(const std::string& proof) {
    return token::decode_compact(proof).value().payload.at("jti").get<std::string>();
  }

  // The resource server asks server `i` about `token` with `proof`.
  Answer decide(int i, const std::string& token, const std::string& proof) const {
    const nlohmann::json body = {{"token", token}, {"proof", proof}, {"action", "deploy"}, {"resource", "prod/payments"}};
    const std::string r = call(i, "POST", "/v1/decisions", workload(kResourceServer), body.dump());
    return {r.empty() ? 0 : status_of(r), body_of(r), proof_jti(proof), i};
  }

  // Every ledger entry as stored, by index, read straight from the database.
  std::map<std::uint64_t, nlohmann::json> ledger_entries() const {
    auto conn = pg_connect(store_url);
    const auto size = std::stoull(pg_value(conn.get(), "SELECT size FROM ledger_head"));
    auto rows = pg_exec(conn.get(), "SELECT idx, convert_from(body, 'UTF8') FROM ledger_entry ORDER BY idx");
    std::map<std::uint64_t, nlohmann::json> entries;
    for (int r = 0; r < PQntuples(rows.get()); ++r) {
      entries[std::stoull(PQgetvalue(rows.get(), r, 0))] = nlohmann::json::parse(PQgetvalue(rows.get(), r, 1));
    }
    EXPECT_EQ(entries.size(), size) << "ledger_head says " << size << " entries";
    std::uint64_t expected = 0;
    for (const auto& [index, entry] : entries) {
      EXPECT_EQ(index, expected) << "a gap in the ledger before entry " << index;
      expected = index + 1;
    }
    return entries;
  }

  // `mandate ledger verify` on a home: every entry, the Merkle tree and the
  // checkpoints check out.
  void verify_ledger(int i) const {
    const auto r = local({"--home", home(i).string(), "ledger", "verify"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto report = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_EQ(report.value("ok", false), true) << r.out;
  }

  // Every answer that was a 200 is the decision recorded at the ledger
  // index it named: the same decision, the same proof.
  void expect_recorded(const std::vector<Answer>& answers, const std::map<std::uint64_t, nlohmann::json>& entries,
                       const std::string& mandate_jti) const {
    std::set<std::uint64_t> indices;
    for (const Answer& a : answers) {
      if (a.status != 200) continue;
      const auto answer = nlohmann::json::parse(a.body);
      const auto index = answer.at("ledger_index").get<std::uint64_t>();
      EXPECT_TRUE(indices.insert(index).second) << "two answers name entry " << index;
      const auto it = entries.find(index);
      if (it == entries.end()) {
        ADD_FAILURE() << "server " << a.server << " answered 200 with entry " << index << ", which is not in the ledger: " << a.body;
        continue;
      }
      const std::string recorded = it->second.dump();
      EXPECT_EQ(it->second.value("type", ""), "decision") << recorded;
      EXPECT_NE(recorded.find("\"decision\":\"" + answer.at("decision").get<std::string>() + "\""), std::string::npos)
          << "answered " << a.body << " but recorded " << recorded;
      EXPECT_NE(recorded.find("\"decided_by\":\"" + answer.at("decided_by").get<std::string>() + "\""), std::string::npos)
          << "answered " << a.body << " but recorded " << recorded;
      EXPECT_NE(recorded.find(mandate_jti), std::string::npos) << recorded;
      if (answer.at("decided_by") != "uses") {  // proofs are checked after use counts
        EXPECT_NE(recorded.find(a.proof_jti), std::string::npos) << "entry " << index << " is not this request's: " << recorded;
      }
    }
  }

  TempDir tmp;
  std::string store_url;
  token::PrivateKey executor_key = token::PrivateKey::generate(token::Algorithm::EdDSA);
  std::vector<std::unique_ptr<Child>> servers;
  std::vector<std::uint16_t> ports;
};

std::size_t count_decisions(const std::map<std::uint64_t, nlohmann::json>& entries, const std::string& mandate_jti) {
  std::size_t n = 0;
  for (const auto& [index, entry] : entries) {
    if (entry.value("type", "") == "decision" && entry.dump().find(mandate_jti) != std::string::npos) ++n;
  }
  return n;
}

// A metric's value in Prometheus text, or nothing when it is absent.
std::optional<double> metric(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + series.size() + 2));
}

// 30 decisions at once with one mandate (max_uses 3), spread over three
// servers: exactly 3 allows, and every one of the 30 in the ledger.
TEST_F(MultiServerTest, UseLimitsHoldExactlyAcrossServers) {
  const TestDatabase database = TestDatabase::create();
  ASSERT_NO_FATAL_FAILURE(make_homes(database.url(), 3));
  ASSERT_NO_FATAL_FAILURE(start_servers());
  ASSERT_NO_FATAL_FAILURE(register_everyone(0));
  const Issued mandate = issue_mandate();
  ASSERT_FALSE(mandate.token.empty());

  constexpr int kClients = 30;
  std::vector<std::string> proofs;
  for (int i = 0; i < kClients; ++i) proofs.push_back(prove(mandate.token));
  std::vector<Answer> answers(kClients);
  {
    std::latch go(kClients);
    std::vector<std::jthread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([&, i] {
        go.arrive_and_wait();
        answers[static_cast<std::size_t>(i)] = decide(i % 3, mandate.token, proofs[static_cast<std::size_t>(i)]);
      });
    }
  }
  int allows = 0;
  int denies = 0;
  for (const Answer& a : answers) {
    ASSERT_EQ(a.status, 200) << "server " << a.server << ": " << a.body << server_errors(static_cast<std::size_t>(a.server));
    const auto answer = nlohmann::json::parse(a.body);
    if (answer["decision"] == "allow") {
      ++allows;
    } else {
      ++denies;
      EXPECT_EQ(answer["decided_by"], "uses") << a.body;
    }
  }
  EXPECT_EQ(allows, 3);
  EXPECT_EQ(denies, 27);

  const auto entries = ledger_entries();
  EXPECT_EQ(count_decisions(entries, mandate.jti), 30u);
  expect_recorded(answers, entries, mandate.jti);
  // Every server reads the one ledger.
  for (int i = 0; i < 3; ++i) {
    const auto ledger = call_json(i, 200, "GET", "/v1/ledger", human("carol"));
    EXPECT_EQ(ledger["size"], entries.size()) << "server " << i;
  }
  verify_ledger(2);

  // /metrics of a PostgreSQL-backed server: its connections and its commits.
  for (int i = 0; i < 3; ++i) {
    const std::string text = body_of(call(i, "GET", "/metrics"));
    const auto open = metric(text, "mandate_store_connections{backend=\"postgresql\",state=\"open\"}");
    ASSERT_TRUE(open) << text;
    EXPECT_GE(*open, 1) << text;
    EXPECT_TRUE(metric(text, "mandate_store_connections{backend=\"postgresql\",state=\"max\"}")) << text;
    const auto commits = metric(text, "mandate_store_commit_seconds_count{backend=\"postgresql\"}");
    ASSERT_TRUE(commits) << text;
    // The ledger's group commit may record several decisions in one transaction.
    EXPECT_GE(*commits, 1) << "each server recorded 10 decisions: " << text;
    const auto seconds = metric(text, "mandate_store_commit_seconds_sum{backend=\"postgresql\"}");
    ASSERT_TRUE(seconds) << text;
    EXPECT_GT(*seconds, 0) << text;
  }
}

// A proof is accepted once, on whichever server sees it first: sent to three
// servers at once, one allow and two denies for replay; sent again later to
// another server, a deny.
TEST_F(MultiServerTest, AProofIsAcceptedOnceAcrossServers) {
  const TestDatabase database = TestDatabase::create();
  ASSERT_NO_FATAL_FAILURE(make_homes(database.url(), 3));
  ASSERT_NO_FATAL_FAILURE(start_servers());
  ASSERT_NO_FATAL_FAILURE(register_everyone(0));
  const Issued mandate = issue_mandate();

  const std::string proof = prove(mandate.token);
  std::vector<Answer> answers(3);
  {
    std::latch go(3);
    std::vector<std::jthread> clients;
    for (int i = 0; i < 3; ++i) {
      clients.emplace_back([&, i] {
        go.arrive_and_wait();
        answers[static_cast<std::size_t>(i)] = decide(i, mandate.token, proof);
      });
    }
  }
  int allows = 0;
  for (const Answer& a : answers) {
    ASSERT_EQ(a.status, 200) << a.body;
    const auto answer = nlohmann::json::parse(a.body);
    if (answer["decision"] == "allow") {
      ++allows;
    } else {
      EXPECT_EQ(answer["decided_by"], "proof") << a.body;
    }
  }
  EXPECT_EQ(allows, 1);

  const std::string again = prove(mandate.token);
  const Answer on_a = decide(0, mandate.token, again);
  ASSERT_EQ(on_a.status, 200) << on_a.body;
  EXPECT_EQ(nlohmann::json::parse(on_a.body)["decision"], "allow") << on_a.body;
  const Answer on_b = decide(1, mandate.token, again);
  ASSERT_EQ(on_b.status, 200) << on_b.body;
  const auto replayed = nlohmann::json::parse(on_b.body);
  EXPECT_EQ(replayed["decision"], "deny") << on_b.body;
  EXPECT_EQ(replayed["decided_by"], "proof") << on_b.body;
  verify_ledger(1);
}

// No cache window: a revocation through one server, or the task's
// completion, denies the very next decision on another.
TEST_F(MultiServerTest, ARevocationOnOneServerDeniesTheNextDecisionOnAnother) {
  const TestDatabase database = TestDatabase::create();
  ASSERT_NO_FATAL_FAILURE(make_homes(database.url(), 3));
  ASSERT_NO_FATAL_FAILURE(start_servers());
  ASSERT_NO_FATAL_FAILURE(register_everyone(0));

  const Issued revoked = issue_mandate();
  // Server 1 has seen (and cached what it may of) the mandate.
  Answer a = decide(1, revoked.token, prove(revoked.token));
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(nlohmann::json::parse(a.body)["decision"], "allow") << a.body;
  call_json(0, 200, "POST", "/v1/mandates/" + revoked.jti + "/revoke", human("bob"), R"({"reason":"rolled back"})");
  a = decide(1, revoked.token, prove(revoked.token));
  ASSERT_EQ(a.status, 200) << a.body;
  auto answer = nlohmann::json::parse(a.body);
  EXPECT_EQ(answer["decision"], "deny") << a.body;
  EXPECT_EQ(answer["decided_by"], "revocation") << a.body;
  EXPECT_NE(a.body.find("revoked"), std::string::npos) << a.body;

  const Issued completed = issue_mandate();
  a = decide(2, completed.token, prove(completed.token));
  ASSERT_EQ(nlohmann::json::parse(a.body)["decision"], "allow") << a.body;
  call_json(0, 200, "POST", "/v1/tasks/" + completed.task + "/outcome", workload(kDeployer), R"({"outcome":"success"})");
  a = decide(2, completed.token, prove(completed.token));
  ASSERT_EQ(a.status, 200) << a.body;
  answer = nlohmann::json::parse(a.body);
  EXPECT_EQ(answer["decision"], "deny") << a.body;
  EXPECT_EQ(answer["decided_by"], "revocation") << a.body;
  verify_ledger(0);
}

// The executor suspended through one server: the next decision on another
// is a deny (read from the store, no cache). A policy set loaded through one
// server is used by another once the documented bound for changes made by
// another process has passed (kPolicyRecheck, 100 ms; waited twice over).
TEST_F(MultiServerTest, SuspensionsAndPoliciesLoadedOnOneServerHoldOnAnother) {
  const TestDatabase database = TestDatabase::create();
  ASSERT_NO_FATAL_FAILURE(make_homes(database.url(), 2));
  ASSERT_NO_FATAL_FAILURE(start_servers());
  ASSERT_NO_FATAL_FAILURE(register_everyone(0));

  const Issued first = issue_mandate();
  Answer a = decide(1, first.token, prove(first.token));
  ASSERT_EQ(nlohmann::json::parse(a.body)["decision"], "allow") << a.body;
  call_json(0, 200, "PUT", "/v1/policies", human("admin"),
            "permit (principal in Group::\"nobody\", action == Action::\"deploy\", resource);\n", "text/plain");
  std::this_thread::sleep_for(200ms);
  a = decide(1, first.token, prove(first.token));
  ASSERT_EQ(a.status, 200) << a.body;
  auto answer = nlohmann::json::parse(a.body);
  EXPECT_EQ(answer["decision"], "deny") << a.body;
  EXPECT_EQ(answer["decided_by"], "policy") << a.body;

  call_json(1, 200, "PUT", "/v1/policies", human("admin"), kDeployersPolicy, "text/plain");
  const Issued second = issue_mandate();
  std::this_thread::sleep_for(200ms);
  a = decide(0, second.token, prove(second.token));
  ASSERT_EQ(nlohmann::json::parse(a.body)["decision"], "allow") << a.body;
  call_json(1, 200, "POST", "/v1/actors/spiffe%3A%2F%2Fexample.org%2Fci%2Fdeployer/suspend", human("admin"), R"({"reason":"compromised"})");
  a = decide(0, second.token, prove(second.token));
  ASSERT_EQ(a.status, 200) << a.body;
  answer = nlohmann::json::parse(a.body);
  EXPECT_EQ(answer["decision"], "deny") << a.body;
  EXPECT_EQ(answer["decided_by"], "revocation") << a.body;
  verify_ledger(1);
}

// Clients keep deciding on three servers; one is killed with SIGKILL midway.
// The other two answer 200 throughout, and every decision any server
// answered 200 is in the ledger, which has no gap and verifies.
TEST_F(MultiServerTest, AServerKilledUnderLoadLosesNoAnsweredDecision) {
  const TestDatabase database = TestDatabase::create();
  ASSERT_NO_FATAL_FAILURE(make_homes(database.url(), 3));
  ASSERT_NO_FATAL_FAILURE(start_servers());
  ASSERT_NO_FATAL_FAILURE(register_everyone(0));
  const Issued mandate = issue_mandate();

  constexpr int kPerServer = 2;
  std::mutex mu;
  std::vector<Answer> answers;
  std::atomic<bool> stop{false};
  std::array<std::atomic<int>, 3> answered{};
  {
    std::vector<std::jthread> clients;
    for (int i = 0; i < 3 * kPerServer; ++i) {
      clients.emplace_back([&, server = i % 3] {
        while (!stop) {
          const Answer a = decide(server, mandate.token, prove(mandate.token));
          {
            std::lock_guard lock(mu);
            answers.push_back(a);
          }
          if (a.status == 0) return;  // the server is gone
          ++answered[static_cast<std::size_t>(server)];
        }
      });
    }
    const auto wait_for = [&](int server, int count) {
      const auto deadline = std::chrono::steady_clock::now() + 60s;
      while (answered[static_cast<std::size_t>(server)] < count && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
      }
      return answered[static_cast<std::size_t>(server)] >= count;
    };
    EXPECT_TRUE(wait_for(2, 40));
    ASSERT_EQ(::kill(servers[2]->pid(), SIGKILL), 0);
    EXPECT_EQ(servers[2]->terminate(), 128 + SIGKILL);
    servers[2].reset();
    const int a0 = answered[0];
    const int a1 = answered[1];
    EXPECT_TRUE(wait_for(0, a0 + 40));
    EXPECT_TRUE(wait_for(1, a1 + 40));
    stop = true;
  }

  for (const Answer& a : answers) {
    if (a.server != 2) {
      EXPECT_EQ(a.status, 200) << "server " << a.server << ": " << a.body << server_errors(static_cast<std::size_t>(a.server));
    } else {
      EXPECT_TRUE(a.status == 200 || a.status == 0) << a.status << " " << a.body;
    }
  }
  const auto entries = ledger_entries();
  expect_recorded(answers, entries, mandate.jti);
  std::size_t ok = 0;
  for (const Answer& a : answers) ok += a.status == 200 ? 1 : 0;
  EXPECT_GE(count_decisions(entries, mandate.jti), ok);
  verify_ledger(0);
  // The survivors still answer, and a new server on a copy of the home joins.
  ASSERT_NO_FATAL_FAILURE(start_server(2));
  const Answer after = decide(2, mandate.token, prove(mandate.token));
  EXPECT_EQ(after.status, 200) << after.body;
}

// PostgreSQL stops while clients decide on two servers: decisions are
// answered 503 (never a 200 that is not in the ledger), /readyz says the
// database is unreachable; when it starts again the servers recover by
// themselves, without a restart.
TEST_F(MultiServerTest, ADatabaseOutageIsA503AndTheServersRecoverByThemselves) {
  PostgresCluster cluster = PostgresCluster::start_private();
  const TestDatabase database = TestDatabase::create(cluster);
  ASSERT_NO_FATAL_FAILURE(make_homes(database.url(), 2));
  ASSERT_NO_FATAL_FAILURE(start_servers());
  ASSERT_NO_FATAL_FAILURE(register_everyone(0));
  const Issued mandate = issue_mandate();

  std::mutex mu;
  std::vector<Answer> answers;
  std::atomic<bool> stop{false};
  // Per server: answers so far, and how many were 503.
  std::array<std::atomic<int>, 2> ok{};
  std::array<std::atomic<int>, 2> unavailable{};
  const auto wait_until = [](const auto& done) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    return done();
  };
  const auto poll_readyz = [&](int server, int status) {
    std::string r;
    wait_until([&] {
      r = call(server, "GET", "/readyz");
      return status_of(r) == status;
    });
    return r;
  };
  {
    std::vector<std::jthread> clients;
    for (int i = 0; i < 4; ++i) {
      clients.emplace_back([&, server = i % 2] {
        while (!stop) {
          const Answer a = decide(server, mandate.token, prove(mandate.token));
          {
            std::lock_guard lock(mu);
            answers.push_back(a);
          }
          if (a.status == 200) ++ok[static_cast<std::size_t>(server)];
          if (a.status == 503) ++unavailable[static_cast<std::size_t>(server)];
          if (a.status != 200) std::this_thread::sleep_for(20ms);
        }
      });
    }
    EXPECT_TRUE(wait_until([&] { return ok[0] >= 20 && ok[1] >= 20; }));
    cluster.stop();
    EXPECT_TRUE(wait_until([&] { return unavailable[0] >= 3 && unavailable[1] >= 3; }))
        << "503s: " << unavailable[0] << ", " << unavailable[1];
    for (int i = 0; i < 2; ++i) {
      const std::string r = poll_readyz(i, 503);
      EXPECT_EQ(status_of(r), 503) << r;
      EXPECT_NE(body_of(r).find("the database is unreachable"), std::string::npos) << r;
    }
    const int ok_during[2] = {ok[0], ok[1]};
    cluster.start();
    EXPECT_TRUE(wait_until([&] { return ok[0] >= ok_during[0] + 20 && ok[1] >= ok_during[1] + 20; }))
        << "after the restart: " << ok[0] - ok_during[0] << ", " << ok[1] - ok_during[1] << " answered 200\n"
        << server_errors(0);
    for (int i = 0; i < 2; ++i) EXPECT_EQ(status_of(poll_readyz(i, 200)), 200);
    stop = true;
  }

  std::map<int, int> statuses;
  for (const Answer& a : answers) ++statuses[a.status];
  for (const auto& [status, count] : statuses) {
    EXPECT_TRUE(status == 200 || status == 503) << count << " answers were " << status;
  }
  for (const Answer& a : answers) {
    if (a.status != 200 && a.status != 503) ADD_FAILURE() << a.status << ": " << a.body;
  }
  const auto entries = ledger_entries();
  expect_recorded(answers, entries, mandate.jti);
  verify_ledger(1);
}

}  // namespace
}  // namespace mandate::testing
