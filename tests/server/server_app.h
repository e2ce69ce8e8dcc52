#pragma once
// The fixture of the tests that call the server's routes through
// Application::handle, without sockets: a fresh home with its first
// administrator, an Application on it whose callers prove who they are with
// real signed tokens checked against JWKS files (no network), and the steps
// most tests start from.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "identity/jwks_fetcher.h"
#include "server/internal/application.h"
#include "support/files.h"
#include "support/server_setup.h"
#include "token/private_key.h"

namespace mandate::server {

// No network in these tests: every key comes from a file.
class NoNetwork : public identity::JwksFetcher {
 public:
  std::expected<std::string, std::string> fetch(const std::string& url, const identity::FetchOptions&) override {
    return std::unexpected("no network in this test (" + url + ")");
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class ServerApp : public ::testing::Test, protected mandate::testing::ServerCallers {
 protected:
  void SetUp() override { start(""); }
  // The home and the Application; `settings` go into mandate.toml after
  // public_url, before its tables (e.g. a [console] table).
  void start(const std::string& settings);

  Response call(const std::string& method, const std::string& target, const std::string& bearer,
                const std::string& body = "", const std::string& type = "application/json", Headers headers = {});
  static nlohmann::json json(const Response& r) { return nlohmann::json::parse(r.body); }
  static std::optional<std::string> header(const Response& r, const std::string& name);
  std::uint64_t ledger_size();

  // Actors, rules and a policy set, through the API as an administrator
  // would: alice (dev), bob and carol (sre), the deployer with its key, the
  // resource server; the prod rule (two from sre) and the deployers' policy.
  void register_everyone();
  // Requested by alice, approved by bob and carol.
  std::string approved_task(const nlohmann::json& audience = nullptr);
  std::string prove(const std::string& token, const std::string& action, const std::string& resource);

  mandate::testing::TempDir tmp;
  token::PrivateKey executor_key = token::PrivateKey::generate(token::Algorithm::EdDSA);
  std::unique_ptr<Application> app;
};

// Polls a stream as the listener does until it ends; false if it did not
// within `timeout`.
bool ends_within(BodyStream& stream, std::chrono::milliseconds timeout);

}  // namespace mandate::server
