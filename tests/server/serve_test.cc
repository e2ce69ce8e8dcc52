// `mandate serve` as operators run it: the real binary on a free loopback
// port, over real sockets, with a home made by the CLI. For what only shows
// in a whole process: a damaged store, the bound port in discovery, limits
// of the process (open files, file size), raw bytes on the wire.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <csignal>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <thread>

#include "server/raw_http.h"
#include "support/damage.h"
#include "support/jwt_signer.h"
#include "support/process.h"
#include "support/server_setup.h"
#include "token/jws.h"
#include "token/private_key.h"

namespace mandate::testing {
namespace {

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(cli({"init", "--origin", "mandate.test/ledger"}).exit_code, 0);
    ASSERT_EQ(cli({"actor", "add", "--kind", "human", "--id", "admin"}).exit_code, 0);
    write_file(tmp / "idp.jwks", idp.jwks());
  }

  void TearDown() override {
    if (server) {
      EXPECT_EQ(server->terminate(), 0) << server_errors();  // SIGTERM is a clean stop
    }
  }

  RunResult cli(std::vector<std::string> args) const {
    args.insert(args.begin(), {MANDATE_BINARY, "--home", home});
    return run(args);
  }

  // Starts `mandate serve` with `listen` added to [listen] and `tables`
  // (whole TOML tables) after the rest; `launcher` runs before the binary
  // (e.g. a shell that lowers a limit and execs it).
  void start(const std::string& listen = "", const std::string& tables = "", std::vector<std::string> launcher = {}) {
    write_file(tmp / "mandate.toml",
               "home = \"" + home + "\"\n" +
               "[listen]\naddress = \"127.0.0.1\"\nport = 0\n" + listen +
               "[access]\nadministrators = [\"admin\"]\n"
               "[log]\naccess = \"off\"\n"
               "[identity]\naudience = \"" + kAudience + "\"\n"
               "[[identity.oidc]]\nissuer = \"" + kIdp + "\"\njwks_file = \"idp.jwks\"\n" + tables);
    std::vector<std::string> argv = std::move(launcher);
    for (const std::string& a : {std::string(MANDATE_BINARY), std::string("serve"), std::string("--config"),
                                 (tmp / "mandate.toml").string()}) {
      argv.push_back(a);
    }
    server = std::make_unique<Child>(argv, tmp / "server.err");
    const auto line = server->read_line(std::chrono::seconds(30));
    ASSERT_TRUE(line) << server_errors();
    const std::string listening = nlohmann::json::parse(*line)["listening"];
    port = static_cast<std::uint16_t>(std::stoi(listening.substr(listening.rfind(':') + 1)));
  }

  std::string server_errors() const { return read_file(tmp / "server.err"); }

  // /readyz until it answers `status` or 20 s passed (the server probes the
  // store at most once a second); the last answer.
  std::string poll_readyz(int status) const {
    std::string r;
    for (int i = 0; i < 200; ++i) {
      r = call("GET", "/readyz");
      if (status_of(r) == status) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return r;
  }

  std::string admin() const { return idp.sign({{"iss", kIdp}, {"aud", kAudience}, {"sub", "admin"}}); }

  static std::string request(const std::string& method, const std::string& target, const std::string& bearer,
                             const std::string& body = "", const std::string& type = "application/json") {
    std::string r = method + " " + target + " HTTP/1.1\r\nHost: t\r\n";
    if (!bearer.empty()) r += "Authorization: Bearer " + bearer + "\r\n";
    if (!body.empty()) r += "Content-Type: " + type + "\r\n";
    return r + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  // One request on a new connection; the whole response, or "" when none came.
  std::string call(const std::string& method, const std::string& target, const std::string& bearer = "",
                   const std::string& body = "", const std::string& type = "application/json") const {
    RawConnection c(port);
    c.send(request(method, target, bearer, body, type));
    return c.read_response(std::chrono::seconds(20)).value_or("");
  }

  TempDir tmp;
  std::string home = (tmp / "home").string();
  JwtSigner idp{.kid = "idp-1"};
  std::unique_ptr<Child> server;
  std::uint16_t port = 0;
};

// Keys across servers: a second home on the same store (as a second server
// on one database) holds a copy of this home's keys and stages a new key.
// Copied here, the running server takes it on SIGHUP, without a restart:
// it publishes it, and verifies a mandate the other home signs with it. A
// keys directory it refuses afterwards leaves it with the keyring it had.
class ServeKeysTest : public ServeTest {
 protected:
  std::filesystem::path other = tmp / "other";
  std::filesystem::path keys = std::filesystem::path(home) / "keys";

  RunResult other_cli(std::vector<std::string> args) const {
    args.insert(args.begin(), {MANDATE_BINARY, "--home", other.string()});
    return run(args);
  }

  void make_other_home() {
    std::filesystem::create_directory(other);
    std::filesystem::permissions(other, std::filesystem::perms::owner_all);
    std::string config = read_file(std::filesystem::path(home) / "config.toml");
    const std::string relative = "path = 'mandate.db'";
    ASSERT_NE(config.find(relative), std::string::npos) << config;
    config.replace(config.find(relative), relative.size(), "path = '" + home + "/mandate.db'");
    write_file(other / "config.toml", config);
    std::filesystem::copy(keys, other / "keys");
    std::filesystem::permissions(other / "keys", std::filesystem::perms::owner_all);
  }

  // A workload's mandate issued by the other home (one approval by bob).
  std::string issue_on_other_home() {
    for (auto [id, groups] : {std::pair{"alice", "dev"}, {"bob", "sre"}}) {
      EXPECT_EQ(other_cli({"actor", "add", "--kind", "human", "--id", id, "--groups", groups}).exit_code, 0);
    }
    const auto pub = nlohmann::json::parse(other_cli({"actor", "keygen", "--out", (tmp / "w.pem").string()}).out);
    write_file(tmp / "w.jwk", pub["jwk"].dump());
    EXPECT_EQ(other_cli({"actor", "add", "--kind", "workload", "--id", "spiffe://example.org/w", "--owner", "alice",
                         "--key", "@" + (tmp / "w.jwk").string()})
                  .exit_code,
              0);
    write_file(tmp / "rules.toml",
               "[[rule]]\nid = \"r\"\ndetail_types = [\"deploy\"]\napprovals = 1\napprover_groups = [\"sre\"]\n"
               "max_task_duration = \"1h\"\nmax_mandate_lifetime = \"10m\"\nmax_uses = 5\n");
    EXPECT_EQ(other_cli({"rules", "load", (tmp / "rules.toml").string()}).exit_code, 0);
    const auto task = other_cli({"task", "request", "--as", "alice", "--intent", "Deploy", "--ref", "CHG-1", "--executor",
                                 "spiffe://example.org/w", "--scope",
                                 R"([{"type":"deploy","actions":["deploy"],"resources":["prod/p"]}])", "--duration", "30m"});
    EXPECT_EQ(task.exit_code, 0) << task.err;
    const std::string task_id = nlohmann::json::parse(task.out)["task"];
    EXPECT_EQ(other_cli({"approve", task_id, "--as", "bob"}).exit_code, 0);
    const auto issued = other_cli({"token", "issue", task_id});
    EXPECT_EQ(issued.exit_code, 0) << issued.err;
    return nlohmann::json::parse(issued.out)["token"];
  }

  bool introspects_active(const std::string& token) const {
    const std::string r = call("POST", "/oauth/introspect", admin(), "token=" + token, "application/x-www-form-urlencoded");
    EXPECT_EQ(status_of(r), 200) << r;
    return nlohmann::json::parse(body_of(r)).value("active", false);
  }

  bool publishes(const std::string& kid) const {
    const std::string r = call("GET", "/.well-known/jwks.json");
    return body_of(r).find(kid) != std::string::npos;
  }

  // SIGHUP, then until `done` or a generous deadline.
  template <typename Done>
  bool after_hangup(Done done) const {
    ::kill(server->pid(), SIGHUP);
    for (int i = 0; i < 200; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
};

TEST_F(ServeKeysTest, ACopiedKeyFileIsUsedAfterSighupWithoutARestart) {
  make_other_home();
  // The CLI issues as https://<origin>; this server accepts that issuer.
  start("", "[mandates]\nissuer = \"https://mandate.test/ledger\"\n");
  const auto staged = other_cli({"keys", "rotate", "--activate-at", "now+1h"});
  ASSERT_EQ(staged.exit_code, 0) << staged.err;
  const auto staged_kid = nlohmann::json::parse(staged.out)["kid"].get<std::string>();
  EXPECT_EQ(nlohmann::json::parse(staged.out)["state"], "staged");
  // The other home signs with its new key at once (rotated again, active now).
  const auto rotated = other_cli({"keys", "rotate"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const auto new_kid = nlohmann::json::parse(rotated.out)["kid"].get<std::string>();
  const std::string token = issue_on_other_home();
  EXPECT_FALSE(introspects_active(token));  // this server does not have the key yet
  EXPECT_FALSE(publishes(new_kid));

  for (const auto& entry : std::filesystem::directory_iterator(other / "keys")) {
    const auto target = keys / entry.path().filename();
    if (!std::filesystem::exists(target)) std::filesystem::copy_file(entry.path(), target);
  }
  ASSERT_TRUE(after_hangup([&] { return publishes(new_kid); })) << server_errors();
  EXPECT_TRUE(publishes(staged_kid));
  EXPECT_TRUE(introspects_active(token));
  EXPECT_NE(server_errors().find("keys_reloaded"), std::string::npos) << server_errors();

  // A directory refused now (a stray file) leaves the keyring as it was.
  write_file(keys / "stray.txt", "not a key");
  ASSERT_TRUE(after_hangup([&] { return server_errors().find("keys_reload_refused") != std::string::npos; }))
      << server_errors();
  EXPECT_NE(server_errors().find("stray.txt"), std::string::npos);
  EXPECT_TRUE(publishes(new_kid));
  EXPECT_TRUE(introspects_active(token));
  std::filesystem::remove(keys / "stray.txt");
}

TEST_F(ServeKeysTest, TheReloadIntervalIsConfigurable) {
  start("", "[keys]\nreload_interval = \"1s\"\n");
  const auto rotated = cli({"keys", "rotate"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const auto kid = nlohmann::json::parse(rotated.out)["kid"].get<std::string>();
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    seen = publishes(kid);
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(seen) << server_errors();
}

// A damaged store is not the caller's fault: 500 with what to do, never a 400.
TEST_F(ServeTest, ADamagedStoreIsAnInternalErrorNotBadInput) {
  const std::string padding(900, 'p');
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(cli({"ledger", "append", "--type", "operator.record", "--actor", "alice", "--data",
                   "{\"marker\":\"entry-" + std::to_string(1000 + i) + "\",\"pad\":\"" + padding + "\"}"})
                  .exit_code,
              0);
  }
  damage_page_containing(tmp / "home" / "mandate.db", "entry-1001");
  start();
  // Entry 0 is the administrator's registration, so entry-1001 is entry 2.
  const std::string r = call("GET", "/v1/ledger/entries/2", admin());
  EXPECT_EQ(status_of(r), 500) << r << server_errors();
  EXPECT_NE(body_of(r).find("the store is damaged"), std::string::npos) << r;
}

// With port = 0 and no public_url, discovery and the mandates' issuer name
// the port actually bound, not port 0.
TEST_F(ServeTest, WithPortZeroTheDefaultsNameTheBoundPort) {
  start();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  auto r = call("GET", "/.well-known/authzen-configuration");
  ASSERT_EQ(status_of(r), 200) << r;
  const auto authzen = nlohmann::json::parse(body_of(r));
  EXPECT_EQ(authzen["policy_decision_point"], base);
  EXPECT_EQ(authzen["access_evaluation_endpoint"], base + "/access/v1/evaluation");
  r = call("GET", "/.well-known/oauth-authorization-server");
  ASSERT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(nlohmann::json::parse(body_of(r))["issuer"], base);
}

// Bytes that are not UTF-8 in a path, sent raw or escaped: a 400 whose body
// is JSON, on every route that takes a parameter.
TEST_F(ServeTest, APathThatIsNotUtf8IsA400WithAJsonBody) {
  start();
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/actors/%FF"}, {"GET", "/v1/actors/\xff"}, {"POST", "/v1/tasks/\xc3\x28/cancel"},
           {"GET", "/v1/trace/a%FE%FF"}, {"POST", "/v1/mandates/%80/revoke"}, {"GET", "/v1/evidence/\xed\xa0\x80"}}) {
    const std::string r = call(method, target, admin(), method == "POST" ? R"({"reason":"x"})" : "");
    EXPECT_EQ(status_of(r), 400) << method << " " << target << ": " << r;
    const auto body = nlohmann::json::parse(body_of(r), nullptr, false);
    EXPECT_TRUE(body.is_object() && body["error"].is_string()) << r;
  }
}

// The open-file limit caps the connections a server can hold: at start the
// soft limit goes up to the hard one, and a max_connections that still does
// not fit is cut to what fits, saying so.
TEST_F(ServeTest, AMaxConnectionsBeyondTheOpenFileLimitIsCutAndSaidAtStart) {
  start("", "[limits]\nmax_connections = 10000\n", {"/bin/sh", "-c", "ulimit -n 256 && exec \"$0\" \"$@\""});
  EXPECT_NE(server_errors().find("limits.max_connections = 10000 does not fit the open-file limit of 256"),
            std::string::npos)
      << server_errors();
  EXPECT_EQ(status_of(call("GET", "/healthz")), 200);
}

// /readyz tells the truth: while the store takes no write (here: a file
// size limit of 0 on the server, as a full disk behaves), every step would
// be refused with 503, so it is not ready; when writes go through again, it
// is ready again by itself.
TEST_F(ServeTest, ReadyzIsNotReadyWhileTheStoreCannotBeWrittenAndRecovers) {
  start();
  EXPECT_EQ(status_of(call("GET", "/readyz")), 200);
  rlimit original{};
  rlimit full{0, RLIM_INFINITY};
  ASSERT_EQ(::prlimit(server->pid(), RLIMIT_FSIZE, nullptr, &original), 0);
  full.rlim_max = original.rlim_max;
  ASSERT_EQ(::prlimit(server->pid(), RLIMIT_FSIZE, &full, nullptr), 0);

  std::string r = call("POST", "/v1/actors", admin(), R"({"id":"alice","kind":"human"})");
  EXPECT_EQ(status_of(r), 503) << r;
  r = poll_readyz(503);
  EXPECT_EQ(status_of(r), 503) << r;
  EXPECT_NE(body_of(r).find("not ready: the store cannot be written"), std::string::npos) << r;
  EXPECT_EQ(status_of(call("GET", "/healthz")), 200) << "alive all the same";

  ASSERT_EQ(::prlimit(server->pid(), RLIMIT_FSIZE, &original, nullptr), 0);
  r = poll_readyz(200);
  EXPECT_EQ(status_of(r), 200) << r;
  r = call("POST", "/v1/actors", admin(), R"({"id":"alice","kind":"human"})");
  EXPECT_EQ(status_of(r), 201) << r;
}

}  // namespace
}  // namespace mandate::testing
