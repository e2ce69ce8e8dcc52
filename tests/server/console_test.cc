// The console's server side through Application::handle, without sockets:
// the [console] table read strictly, a session authenticating the API as
// its human through the one admission, the cross-site checks that change
// nothing when they refuse, and sign-out. (The sign-in itself runs against
// a real OpenID provider in tests/server/e2e/console.mjs.)
#include <gtest/gtest.h>

#include "broker/broker.h"
#include "home/home.h"
#include "identity/jwks_fetcher.h"
#include "server/internal/application.h"
#include "server/internal/console_state.h"
#include "support/files.h"
#include "support/server_setup.h"
#include "token/private_key.h"

namespace mandate::server {
namespace {

using mandate::testing::kAudience;
using mandate::testing::kIdp;
using mandate::testing::write_file;

// Sign-in is not exercised here: every key comes from a file.
class NoNetwork : public identity::JwksFetcher {
 public:
  std::expected<std::string, std::string> fetch(const std::string& url, const identity::FetchOptions&) override {
    return std::unexpected("no network in this test (" + url + ")");
  }
};

std::string console_table(const std::string& extra = "") {
  return "[console]\noidc_issuer = \"" + std::string(kIdp) + "\"\nclient_id = \"mandate-console\"\n" + extra;
}

class ConsoleConfigTest : public ::testing::Test {
 protected:
  std::expected<ServerConfig, std::string> parse(const std::string& console) {
    return parse_server_config(mandate::testing::server_config_text(tmp.path().string(), console), "m.toml", tmp.path());
  }
  void expect_refused(const std::string& console, const std::string& fragment) {
    const auto config = parse(console);
    ASSERT_FALSE(config) << console;
    EXPECT_NE(config.error().find(fragment), std::string::npos) << config.error();
    EXPECT_NE(config.error().find("m.toml:"), std::string::npos) << config.error();
  }
  void SetUp() override { callers.write_jwks(tmp.path()); }
  mandate::testing::TempDir tmp;
  mandate::testing::ServerCallers callers;
};

TEST_F(ConsoleConfigTest, WithoutTheTableThereIsNoConsole) {
  const auto config = parse("");
  ASSERT_TRUE(config) << config.error();
  EXPECT_FALSE(config->console);
}

TEST_F(ConsoleConfigTest, DefaultsAndEverySetting) {
  write_file(tmp / "console.secret", "s3cr3t-value\n");
  std::filesystem::create_directories(tmp / "dist");
  auto config = parse(console_table());
  ASSERT_TRUE(config) << config.error();
  ASSERT_TRUE(config->console);
  EXPECT_EQ(config->console->oidc_issuer, kIdp);
  EXPECT_EQ(config->console->client_id, "mandate-console");
  EXPECT_FALSE(config->console->client_secret);
  EXPECT_EQ(config->console->session_ttl, std::chrono::hours(8));
  EXPECT_EQ(config->console->session_idle_timeout, std::chrono::hours(1));
  EXPECT_FALSE(config->console->change_url_template);
  EXPECT_FALSE(config->console->assets_dir);
  config = parse(console_table("client_secret_file = \"console.secret\"\nsession_ttl = \"2h\"\n"
                               "session_idle_timeout = \"15m\"\n"
                               "change_url_template = \"https://tickets.example/browse/{reference}\"\n"
                               "assets_dir = \"dist\"\n"));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->console->client_secret, "s3cr3t-value");
  EXPECT_EQ(config->console->session_ttl, std::chrono::hours(2));
  EXPECT_EQ(config->console->session_idle_timeout, std::chrono::minutes(15));
  EXPECT_EQ(config->console->change_url_template, "https://tickets.example/browse/{reference}");
  EXPECT_EQ(config->console->assets_dir, tmp.path() / "dist");
}

TEST_F(ConsoleConfigTest, MistakesAreRefusedWithTheirPlace) {
  expect_refused(console_table("colour = \"blue\"\n"), "unknown setting console.colour");
  expect_refused("[console]\noidc_issuer = \"" + std::string(kIdp) + "\"\n", "console needs oidc_issuer and client_id");
  expect_refused("[console]\noidc_issuer = \"https://elsewhere.example\"\nclient_id = \"c\"\n",
                 "is not the issuer of an [[identity.oidc]] entry");
  expect_refused(console_table("session_ttl = 8\n"), "session_ttl");
  expect_refused(console_table("session_idle_timeout = \"soon\"\n"), "session_idle_timeout");
  expect_refused(console_table("client_secret_file = \"missing.secret\"\n"), "cannot read a secret");
  expect_refused(console_table("change_url_template = \"https://tickets.example/browse/\"\n"), "{reference}");
  expect_refused(console_table("change_url_template = \"javascript:alert('{reference}')\"\n"), "http(s) URL");
  expect_refused(console_table("assets_dir = \"nowhere\"\n"), "not a directory");
  expect_refused("console = 1\n", "console must be a table");
}

TEST_F(ConsoleConfigTest, TheSecretIsNeverInAMessage) {
  write_file(tmp / "console.secret", "s3cr3t-value\n");
  const auto config = parse(console_table("client_secret_file = \"console.secret\"\nsession_ttl = \"never\"\n"));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().find("s3cr3t"), std::string::npos) << config.error();
}

class ConsoleSessions : public ::testing::Test, protected mandate::testing::ServerCallers {
 protected:
  void SetUp() override {
    const auto home_dir = tmp.path() / "home";
    auto home = home::Home::init(home_dir, mandate::testing::kOrigin);
    {
      broker::Broker bootstrap(home->store(), home->ledger(), home->keys(), {kAudience, kAudience});
      const broker::Caller op{"operator", broker::CallerKind::home_operator, "local-operator"};
      for (const auto& [id, group] : {std::pair{"admin", "ops"}, {"alice", "dev"}, {"bob", "sre"}}) {
        core::Actor human;
        human.id = id;
        human.groups = {group};
        bootstrap.add_actor(op, human, std::nullopt);
      }
      core::Actor deployer;
      deployer.id = mandate::testing::kDeployer;
      deployer.kind = core::ActorKind::workload;
      deployer.owner = "alice";
      bootstrap.add_actor(op, deployer, executor_key.public_key().jwk_json());
    }
    write_jwks(tmp.path());
    write_file(tmp.path() / "mandate.toml",
               mandate::testing::server_config_text(
                   home_dir.string(), "public_url = \"" + std::string(kAudience) + "\"\n" +
                                          console_table("change_url_template = \"https://t.example/{reference}\"\n")));
    auto config = load_server_config(tmp.path() / "mandate.toml");
    ASSERT_TRUE(config) << config.error();
    app = std::make_unique<Application>(std::move(*config), std::move(home), std::make_shared<NoNetwork>());
    ASSERT_NE(app->console(), nullptr);
  }

  // What a callback opens after a sign-in, as the identity module states it.
  console::SessionStore::Opened sign_in(const std::string& actor) {
    const std::string by = "oidc:" + std::string(kIdp) + " sub=" + actor;
    return app->console()->sessions.open({actor, by, kIdp, actor});
  }

  Response call(const std::string& method, const std::string& target, const std::string& cookie,
                std::vector<std::pair<std::string, std::string>> headers = {}, const std::string& body = "") {
    Request r;
    r.method = method;
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    if (!cookie.empty()) r.headers.emplace_back("cookie", "theme=dark; __Host-mandate_session=" + cookie);
    for (auto& h : headers) r.headers.push_back(std::move(h));
    if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
    r.body = body;
    return app->handle(r);
  }
  static nlohmann::json json(const Response& r) { return nlohmann::json::parse(r.body); }
  std::uint64_t ledger_size() { return app->home().ledger().size(); }
  static std::optional<std::string> header(const Response& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return std::nullopt;
  }

  const std::string task_body =
      R"({"intent":"Rotate the payments key","executor":"spiffe://example.org/ci/deployer","duration":"30m",
          "scope":[{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}]})";
  mandate::testing::TempDir tmp;
  token::PrivateKey executor_key = token::PrivateKey::generate(token::Algorithm::EdDSA);
  std::unique_ptr<Application> app;
};

TEST_F(ConsoleSessions, TheSessionSaysWhoIsSignedInAndItsCsrfToken) {
  const auto alice = sign_in("alice");
  auto r = call("GET", "/console/session", alice.id);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto s = json(r);
  EXPECT_EQ(s["actor"], "alice");
  EXPECT_EQ(s["kind"], "human");
  EXPECT_EQ(s["administrator"], false);
  EXPECT_EQ(s["csrf_token"], alice.session.csrf_token);
  EXPECT_EQ(s["issuer"], kIdp);
  EXPECT_EQ(s["subject"], "alice");
  EXPECT_EQ(s["change_url_template"], "https://t.example/{reference}");
  EXPECT_EQ(json(call("GET", "/console/session", sign_in("admin").id))["administrator"], true);
  EXPECT_EQ(call("GET", "/console/session", "").status, 401);
  EXPECT_EQ(call("GET", "/console/session", console::random_secret()).status, 401);
}

TEST_F(ConsoleSessions, ASessionAuthenticatesTheApiAsItsHuman) {
  const auto alice = sign_in("alice");
  auto r = call("GET", "/v1/tasks", alice.id);
  EXPECT_EQ(r.status, 200) << r.body;
  r = call("POST", "/v1/tasks", alice.id,
           {{"x-csrf-token", alice.session.csrf_token}, {"origin", kAudience}, {"sec-fetch-site", "same-origin"}}, task_body);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto entry = nlohmann::json::parse(app->home().ledger().entry_bytes(json(r)["ledger_index"]));
  EXPECT_EQ(entry["actor"]["id"], "alice");
  EXPECT_EQ(entry["actor"]["kind"], "human");
  EXPECT_EQ(entry["actor"]["authenticated_by"], "oidc:https://idp.test sub=alice");
  // Administration follows the human: alice is no administrator, admin is.
  EXPECT_EQ(call("GET", "/v1/actors", alice.id).status, 200);
  const auto admin = sign_in("admin");
  r = call("POST", "/v1/actors/bob/suspend", alice.id, {{"x-csrf-token", alice.session.csrf_token}},
           R"({"reason":"x"})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(json(r)["error"].get<std::string>().find("administrators"), std::string::npos) << r.body;
}

TEST_F(ConsoleSessions, CrossSiteRequestsAreRefusedAndChangeNothing) {
  const auto alice = sign_in("alice");
  const auto before = ledger_size();
  const std::string& token = alice.session.csrf_token;
  const std::vector<std::vector<std::pair<std::string, std::string>>> attempts = {
      {},
      {{"x-csrf-token", "wrong"}},
      {{"x-csrf-token", console::random_secret()}},
      {{"x-csrf-token", token}, {"origin", "https://evil.example"}},
      {{"x-csrf-token", token}, {"origin", "null"}},
      {{"x-csrf-token", token}, {"origin", kAudience}, {"sec-fetch-site", "cross-site"}},
      {{"x-csrf-token", token}, {"sec-fetch-site", "same-site"}},
  };
  for (const auto& headers : attempts) {
    const auto r = call("POST", "/v1/tasks", alice.id, headers, task_body);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(json(r)["error"].get<std::string>().rfind("cross-site request refused: ", 0), 0u) << r.body;
    EXPECT_EQ(r.body.find(token), std::string::npos);
  }
  EXPECT_EQ(ledger_size(), before);
  // Reads need no token: a page of another site cannot read the answer anyway.
  EXPECT_EQ(call("GET", "/v1/tasks", alice.id, {{"origin", "https://evil.example"}}).status, 200);
}

TEST_F(ConsoleSessions, ABearerTokenWinsOverTheCookieAndNeedsNoCsrfToken) {
  const auto alice = sign_in("alice");
  Request r;
  r.method = "POST";
  r.target = r.path = "/v1/tasks";
  r.headers = {{"cookie", "__Host-mandate_session=" + alice.id},
               {"authorization", "Bearer " + human("bob")},
               {"content-type", "application/json"}};
  r.body = task_body;
  const auto answer = app->handle(r);
  ASSERT_EQ(answer.status, 201) << answer.body;
  const auto entry = nlohmann::json::parse(app->home().ledger().entry_bytes(json(answer)["ledger_index"]));
  EXPECT_EQ(entry["actor"]["id"], "bob");
}

TEST_F(ConsoleSessions, ASessionIsAHumanCredentialOnlyAndFollowsTheActorsStanding) {
  const auto bob = sign_in("bob");
  ASSERT_EQ(call("GET", "/v1/tasks", bob.id).status, 200);
  // Suspended after signing in: the next call is refused, as a bearer token would be.
  const auto admin = sign_in("admin");
  auto r = call("POST", "/v1/actors/bob/suspend", admin.id,
                {{"x-csrf-token", admin.session.csrf_token}, {"origin", kAudience}}, R"({"reason":"on leave"})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = call("GET", "/v1/tasks", bob.id);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(json(r)["error"].get<std::string>().find("suspended"), std::string::npos) << r.body;
  // A session naming a workload (never opened by a sign-in, which proves
  // humans only) is refused as a human credential for a workload would be.
  const auto odd = app->console()->sessions.open({"spiffe://example.org/ci/deployer", "oidc:x sub=y", kIdp, "y"});
  EXPECT_EQ(call("GET", "/v1/tasks", odd.id).status, 403);
}

TEST_F(ConsoleSessions, SignOutEndsTheSessionAndNeedsTheToken) {
  const auto alice = sign_in("alice");
  auto r = call("POST", "/console/logout", alice.id);
  EXPECT_EQ(r.status, 403) << r.body;
  ASSERT_EQ(call("GET", "/v1/tasks", alice.id).status, 200);
  r = call("POST", "/console/logout", alice.id, {{"x-csrf-token", alice.session.csrf_token}});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(header(r, "Set-Cookie"), "__Host-mandate_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
  r = call("GET", "/v1/tasks", alice.id);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(json(r)["error"].get<std::string>().find("session has ended"), std::string::npos) << r.body;
  EXPECT_EQ(call("POST", "/console/logout", alice.id, {{"x-csrf-token", alice.session.csrf_token}}).status, 401);
}

TEST_F(ConsoleSessions, EveryAnswerCarriesTheSecurityHeaders) {
  auto r = call("GET", "/console/", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "Content-Security-Policy"),
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(r, "Cache-Control"), "no-store");
  EXPECT_EQ(call("GET", "/console/tasks/t-1/trace", "").body, r.body);  // client-side routes
  EXPECT_EQ(call("GET", "/console/nothing.js", "").status, 404);
  EXPECT_EQ(call("POST", "/console/tasks", "").status, 405);
  r = call("GET", "/v1/tasks", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(header(r, "Content-Security-Policy"), "frame-ancestors 'none'");
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
}

}  // namespace
}  // namespace mandate::server
