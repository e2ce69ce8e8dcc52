#include "server_app.h"

#include <thread>

#include "broker/broker.h"
#include "home/home.h"
#include "token/proof.h"

namespace mandate::server {

using mandate::testing::kAudience;
using mandate::testing::kDeployer;
using mandate::testing::kResourceServer;

void ServerApp::start(const std::string& settings) {
  const auto home_dir = tmp.path() / "home";
  auto home = home::Home::init(home_dir, mandate::testing::kOrigin);
  {
    broker::Broker bootstrap(home->store(), home->ledger(), home->keys(), {kAudience, kAudience});
    core::Actor admin;
    admin.id = "admin";
    bootstrap.add_actor({"operator", broker::CallerKind::home_operator, "local-operator"}, admin, std::nullopt);
  }
  write_jwks(tmp.path());
  mandate::testing::write_file(
      tmp.path() / "mandate.toml",
      mandate::testing::server_config_text(home_dir.string(), "public_url = \"" + std::string(kAudience) + "\"\n" + settings));
  auto config = load_server_config(tmp.path() / "mandate.toml");
  ASSERT_TRUE(config) << config.error();
  app = std::make_unique<Application>(std::move(*config), std::move(home), std::make_shared<NoNetwork>());
}

Response ServerApp::call(const std::string& method, const std::string& target, const std::string& bearer,
                         const std::string& body, const std::string& type, Headers headers) {
  Request r;
  r.method = method;
  r.target = target;
  const auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  if (!bearer.empty()) r.headers.emplace_back("authorization", "Bearer " + bearer);
  if (!body.empty()) r.headers.emplace_back("content-type", type);
  for (auto& h : headers) r.headers.push_back(std::move(h));
  r.body = body;
  return answer_of(app->handle(r));
}

std::uint64_t ServerApp::ledger_size() { return app->home().ledger().size(); }

std::optional<std::string> ServerApp::header(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

void ServerApp::register_everyone() {
  const auto admin = human("admin");
  for (const auto& [id, group] : {std::pair{"alice", "dev"}, {"bob", "sre"}, {"carol", "sre"}}) {
    ASSERT_EQ(call("POST", "/v1/actors", admin, nlohmann::json{{"id", id}, {"kind", "human"}, {"groups", {group}}}.dump()).status, 201);
  }
  const auto key = nlohmann::json::parse(executor_key.public_key().jwk_json()).dump();
  auto r = call("POST", "/v1/actors", admin,
                nlohmann::json{{"id", kDeployer}, {"kind", "workload"}, {"owner", "alice"}, {"groups", {"deployers"}},
                               {"public_key", key}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  r = call("POST", "/v1/actors", admin, nlohmann::json{{"id", kResourceServer}, {"kind", "workload"}, {"owner", "alice"}}.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  r = call("PUT", "/v1/rules", admin, mandate::testing::kProdRules, "application/toml");
  ASSERT_EQ(r.status, 200) << r.body;
  r = call("PUT", "/v1/policies", admin, mandate::testing::kDeployersPolicy, "text/plain");
  ASSERT_EQ(r.status, 200) << r.body;
}

std::string ServerApp::approved_task(const nlohmann::json& audience) {
  nlohmann::json body = nlohmann::json::parse(
      R"({"intent":"Deploy payments 2.3","executor":"spiffe://example.org/ci/deployer","duration":"30m",
          "scope":[{"type":"deploy","actions":["deploy"],"resources":["prod/payments"]}]})");
  if (!audience.is_null()) body["audience"] = audience;
  auto r = call("POST", "/v1/tasks", human("alice"), body.dump());
  EXPECT_EQ(r.status, 201) << r.body;
  const std::string task = json(r)["task"];
  EXPECT_EQ(call("POST", "/v1/tasks/" + task + "/approvals", human("bob"), "{}").status, 200);
  EXPECT_EQ(call("POST", "/v1/tasks/" + task + "/approvals", human("carol"), R"({"comment":"ok"})").status, 200);
  return task;
}

std::string ServerApp::prove(const std::string& token, const std::string& action, const std::string& resource) {
  return token::make_proof(executor_key, token, action, resource,
                           std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
}

bool ends_within(BodyStream& stream, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!stream.next()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace mandate::server
