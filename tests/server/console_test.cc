// The console's server side through Application::handle, without sockets:
// the [console] table read strictly, a session authenticating the API as
// its human through the one admission, the cross-site checks that change
// nothing when they refuse, and sign-out. (The sign-in itself runs against
// a real OpenID provider in tests/server/e2e/console.mjs.)
#include <gtest/gtest.h>

#include <thread>

#include "home/home.h"
#include "server/internal/application.h"
#include "server/internal/console_state.h"
#include "server_app.h"
#include "support/files.h"
#include "support/server_setup.h"

namespace mandate::server {
namespace {

using mandate::testing::kAudience;
using mandate::testing::kIdp;
using mandate::testing::write_file;

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
  EXPECT_EQ(config->change_url_template, "");
  EXPECT_FALSE(config->console->assets_dir);
  config = parse(console_table("client_secret_file = \"console.secret\"\nsession_ttl = \"2h\"\n"
                               "session_idle_timeout = \"15m\"\n"
                               "change_url_template = \"https://tickets.example/browse/{reference}\"\n"
                               "assets_dir = \"dist\"\n"));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->console->client_secret, "s3cr3t-value");
  EXPECT_EQ(config->console->session_ttl, std::chrono::hours(2));
  EXPECT_EQ(config->console->session_idle_timeout, std::chrono::minutes(15));
  EXPECT_EQ(config->change_url_template, "https://tickets.example/browse/{reference}");
  EXPECT_EQ(config->console->assets_dir, tmp.path() / "dist");
}

TEST_F(ConsoleConfigTest, TheChangeUrlTemplateAloneServesNoConsole) {
  // The webhooks' events link a task's reference through it too.
  const auto config = parse("[console]\nchange_url_template = \"https://t.example/{reference}\"\n");
  ASSERT_TRUE(config) << config.error();
  EXPECT_FALSE(config->console);
  EXPECT_EQ(config->change_url_template, "https://t.example/{reference}");
  expect_refused("[console]\nsession_ttl = \"2h\"\n", "console sign-in needs both oidc_issuer and client_id");
  expect_refused("[console]\nclient_id = \"c\"\n", "console sign-in needs both oidc_issuer and client_id");
}

TEST_F(ConsoleConfigTest, MistakesAreRefusedWithTheirPlace) {
  const std::pair<std::string, std::string> mistakes[] = {
      {console_table("colour = \"blue\"\n"), "unknown setting console.colour"},
      {"[console]\noidc_issuer = \"" + std::string(kIdp) + "\"\n", "console sign-in needs both oidc_issuer and client_id"},
      {"[console]\noidc_issuer = \"https://elsewhere.example\"\nclient_id = \"c\"\n",
       "is not the issuer of an [[identity.oidc]] entry"},
      {console_table("session_ttl = 8\n"), "session_ttl"},
      {console_table("session_idle_timeout = \"soon\"\n"), "session_idle_timeout"},
      {console_table("client_secret_file = \"missing.secret\"\n"), "cannot read a secret"},
      {console_table("change_url_template = \"https://tickets.example/browse/\"\n"), "{reference}"},
      {console_table("change_url_template = \"javascript:alert('{reference}')\"\n"), "http(s) URL"},
      {console_table("assets_dir = \"nowhere\"\n"), "not a directory"},
      {"console = 1\n", "console must be a table"},
  };
  for (const auto& [table, why] : mistakes) expect_refused(table, why);
}

TEST_F(ConsoleConfigTest, TheSecretIsNeverInAMessage) {
  write_file(tmp / "console.secret", "s3cr3t-value\n");
  const auto config = parse(console_table("client_secret_file = \"console.secret\"\nsession_ttl = \"never\"\n"));
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().find("s3cr3t"), std::string::npos) << config.error();
}

class ConsoleSessions : public ServerApp {
 protected:
  void SetUp() override {
    start(console_table("change_url_template = \"https://t.example/{reference}\"\n"));
    ASSERT_NE(app->console(), nullptr);
    register_everyone();
  }

  // What a callback opens after a sign-in, as the identity module states it.
  console::SessionStore::Opened sign_in(const std::string& actor) {
    const std::string by = "oidc:" + std::string(kIdp) + " sub=" + actor;
    return app->console()->sessions.open({actor, by, kIdp, actor});
  }

  // A call with the session cookie (among others, as a browser sends it).
  Response call_as(const std::string& method, const std::string& target, const std::string& session_id,
                   Headers headers = {}, const std::string& body = "") {
    if (!session_id.empty()) headers.emplace_back("cookie", "theme=dark; __Host-mandate_session=" + session_id);
    return call(method, target, "", body, "application/json", std::move(headers));
  }

  const std::string task_body =
      R"({"intent":"Rotate the payments key","executor":"spiffe://example.org/ci/deployer","duration":"30m",
          "scope":[{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}]})";
};

TEST_F(ConsoleSessions, TheSessionSaysWhoIsSignedInAndItsCsrfToken) {
  const auto alice = sign_in("alice");
  auto r = call_as("GET", "/console/session", alice.id);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto s = json(r);
  EXPECT_EQ(s["actor"], "alice");
  EXPECT_EQ(s["kind"], "human");
  EXPECT_EQ(s["administrator"], false);
  EXPECT_EQ(s["csrf_token"], alice.session.csrf_token);
  EXPECT_EQ(s["issuer"], kIdp);
  EXPECT_EQ(s["subject"], "alice");
  EXPECT_EQ(s["change_url_template"], "https://t.example/{reference}");
  EXPECT_EQ(json(call_as("GET", "/console/session", sign_in("admin").id))["administrator"], true);
  EXPECT_EQ(call_as("GET", "/console/session", "").status, 401);
  EXPECT_EQ(call_as("GET", "/console/session", console::random_secret()).status, 401);
}

TEST_F(ConsoleSessions, ASessionAuthenticatesTheApiAsItsHuman) {
  const auto alice = sign_in("alice");
  auto r = call_as("GET", "/v1/tasks", alice.id);
  EXPECT_EQ(r.status, 200) << r.body;
  r = call_as("POST", "/v1/tasks", alice.id,
           {{"x-csrf-token", alice.session.csrf_token}, {"origin", kAudience}, {"sec-fetch-site", "same-origin"}}, task_body);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto entry = nlohmann::json::parse(app->home().ledger().entry_bytes(json(r)["ledger_index"]));
  EXPECT_EQ(entry["actor"]["id"], "alice");
  EXPECT_EQ(entry["actor"]["kind"], "human");
  EXPECT_EQ(entry["actor"]["authenticated_by"], "oidc:https://idp.test sub=alice");
  // Administration follows the human: alice is no administrator, admin is.
  EXPECT_EQ(call_as("GET", "/v1/actors", alice.id).status, 200);
  const auto admin = sign_in("admin");
  r = call_as("POST", "/v1/actors/bob/suspend", alice.id, {{"x-csrf-token", alice.session.csrf_token}},
           R"({"reason":"x"})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(json(r)["error"].get<std::string>().find("administrators"), std::string::npos) << r.body;
}

TEST_F(ConsoleSessions, WaitingTasksLinkTheirReferenceThroughTheTemplate) {
  const auto alice = sign_in("alice");
  nlohmann::json body = nlohmann::json::parse(task_body);
  body["ref"] = "CHG 42/a";
  auto r = call_as("POST", "/v1/tasks", alice.id, {{"x-csrf-token", alice.session.csrf_token}}, body.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  r = call_as("GET", "/v1/tasks?waiting_for=me", sign_in("bob").id);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(json(r).size(), 1u) << r.body;
  EXPECT_EQ(json(r)[0]["change_url"], "https://t.example/CHG%2042%2Fa");
  EXPECT_EQ(json(call_as("GET", "/v1/tasks?waiting_for=me", alice.id)), nlohmann::json::array());
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
    const auto r = call_as("POST", "/v1/tasks", alice.id, headers, task_body);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(json(r)["error"].get<std::string>().rfind("cross-site request refused: ", 0), 0u) << r.body;
    EXPECT_EQ(r.body.find(token), std::string::npos);
  }
  EXPECT_EQ(ledger_size(), before);
  // Reads need no token: a page of another site cannot read the answer anyway.
  EXPECT_EQ(call_as("GET", "/v1/tasks", alice.id, {{"origin", "https://evil.example"}}).status, 200);
}

TEST_F(ConsoleSessions, ABearerTokenWinsOverTheCookieAndNeedsNoCsrfToken) {
  const auto alice = sign_in("alice");
  const auto answer = call("POST", "/v1/tasks", human("bob"), task_body, "application/json",
                           {{"cookie", "__Host-mandate_session=" + alice.id}});
  ASSERT_EQ(answer.status, 201) << answer.body;
  const auto entry = nlohmann::json::parse(app->home().ledger().entry_bytes(json(answer)["ledger_index"]));
  EXPECT_EQ(entry["actor"]["id"], "bob");
}

TEST_F(ConsoleSessions, ASessionIsAHumanCredentialOnlyAndFollowsTheActorsStanding) {
  const auto bob = sign_in("bob");
  ASSERT_EQ(call_as("GET", "/v1/tasks", bob.id).status, 200);
  // Suspended after signing in: the next call is refused, as a bearer token would be.
  const auto admin = sign_in("admin");
  auto r = call_as("POST", "/v1/actors/bob/suspend", admin.id,
                {{"x-csrf-token", admin.session.csrf_token}, {"origin", kAudience}}, R"({"reason":"on leave"})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = call_as("GET", "/v1/tasks", bob.id);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(json(r)["error"].get<std::string>().find("suspended"), std::string::npos) << r.body;
  // A session naming a workload (never opened by a sign-in, which proves
  // humans only) is refused as a human credential for a workload would be.
  const auto odd = app->console()->sessions.open({"spiffe://example.org/ci/deployer", "oidc:x sub=y", kIdp, "y"});
  EXPECT_EQ(call_as("GET", "/v1/tasks", odd.id).status, 403);
}

TEST_F(ConsoleSessions, SignOutEndsTheSessionAndNeedsTheToken) {
  const auto alice = sign_in("alice");
  auto r = call_as("POST", "/console/logout", alice.id);
  EXPECT_EQ(r.status, 403) << r.body;
  ASSERT_EQ(call_as("GET", "/v1/tasks", alice.id).status, 200);
  r = call_as("POST", "/console/logout", alice.id, {{"x-csrf-token", alice.session.csrf_token}});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(header(r, "Set-Cookie"), "__Host-mandate_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
  r = call_as("GET", "/v1/tasks", alice.id);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(json(r)["error"].get<std::string>().find("session has ended"), std::string::npos) << r.body;
  EXPECT_EQ(call_as("POST", "/console/logout", alice.id, {{"x-csrf-token", alice.session.csrf_token}}).status, 401);
}

TEST_F(ConsoleSessions, AnOpenEventStreamEndsWithItsSession) {
  const auto alice = sign_in("alice");
  auto r = call_as("GET", "/v1/events", alice.id);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.stream);
  EXPECT_FALSE(ends_within(*r.stream, std::chrono::milliseconds(1500))) << "a live session's stream goes on";
  ASSERT_EQ(call_as("POST", "/console/logout", alice.id, {{"x-csrf-token", alice.session.csrf_token}}).status, 204);
  EXPECT_TRUE(ends_within(*r.stream, std::chrono::seconds(3))) << "signed out, the open page stops hearing";
}

TEST_F(ConsoleSessions, EveryAnswerCarriesTheSecurityHeaders) {
  auto r = call_as("GET", "/console/", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "Content-Security-Policy"),
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(r, "Cache-Control"), "no-store");
  EXPECT_EQ(call_as("GET", "/console/tasks/t-1/trace", "").body, r.body);  // client-side routes
  EXPECT_EQ(call_as("GET", "/console/nothing.js", "").status, 404);
  EXPECT_EQ(call_as("POST", "/console/tasks", "").status, 405);
  r = call_as("GET", "/v1/tasks", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(header(r, "Content-Security-Policy"), "frame-ancestors 'none'");
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
}

TEST_F(ConsoleSessions, MetricsCountTheOpenSessions) {
  sign_in("alice");
  sign_in("bob");
  const auto r = call("GET", "/metrics", "");
  EXPECT_NE(r.body.find("mandate_console_sessions 2\n"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace mandate::server
