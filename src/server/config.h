#pragma once
// mandate.toml, the server's config file: where the home is, where to
// listen, TLS, limits, the mandates' issuer and audience, who administers,
// the access log, how callers are authenticated ([identity], read by the
// identity module), the browser console ([console]) and the webhooks
// ([[webhooks]], read by the notify module) and the agent gateway ([mcp],
// read by the mcp module). Parsed strictly at start: an unknown key or a wrong type
// is an error naming file:line:column, and the server does not start.
#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "console/config.h"
#include "mcp/config.h"
#include "notify/webhooks.h"
#include "server/internal/http_server.h"

namespace mandate::identity {
struct IdentityConfig;
}
namespace mandate::witness {
class WitnessPolicy;
}

namespace mandate::server {

// [witnesses]: the independent parties asked to cosign each new checkpoint
// (docs/witnesses.md). The policy file is a C2SP tlog-policy: its witness
// lines carry the submission URLs and its quorum says which cosignatures
// make a checkpoint trusted.
struct WitnessingConfig {
  std::filesystem::path policy_file;
  std::shared_ptr<const witness::WitnessPolicy> policy;
  std::chrono::milliseconds interval{std::chrono::seconds(10)};  // how often a grown ledger is checkpointed
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};    // per witness request
  bool required_for_ready = false;  // /readyz answers 503 while the newest checkpoint lacks its quorum
};

struct ServerConfig {
  std::filesystem::path home;  // the mandate home (relative paths: to the config file's folder)
  ListenSettings listen;
  // How clients reach this server: discovery documents name it. Default
  // http(s)://address:port; with port 0 that is known only once bound, so
  // these three stay empty until settle_bound_port().
  std::string public_url;
  std::string issuer;        // the mandates' iss; default the public URL
  std::string audience;      // the mandates' aud; default the issuer
  std::vector<std::string> administrators;  // human actors who may manage actors, rules, policies
  std::string access_log = "-";             // "-" stderr, "off", or a file path
  // [authzen] max_batch_items: items one /access/v1/evaluations request may
  // hold. Each is decided and recorded on its own, holding a handler thread
  // for the whole batch, so an unbounded batch lets one caller hold a
  // thread (and the ledger) for minutes.
  std::size_t max_batch_items = 1000;
  std::shared_ptr<const identity::IdentityConfig> identity;
  // [console] change_url_template: where a task's change reference is
  // shown, "{reference}" standing for it (the console's pages and the
  // webhook events carry the link). Empty: none.
  std::string change_url_template;
  // [console] oidc_issuer and client_id (and the rest of the sign-in):
  // the browser console. Without them the console's routes answer 404 and
  // the API works as before.
  std::optional<console::ConsoleConfig> console;
  std::vector<notify::Webhook> webhooks;  // [[webhooks]]: none, no notifier
  // [mcp] and [[mcp.servers]]: the agent gateway (`mandate mcp`). None: no
  // [mcp] section.
  std::optional<mcp::GatewayConfig> mcp;
  // [keys] reload_interval: how often the server re-reads HOME/keys (also
  // on SIGHUP), so a key file copied there is used without a restart.
  std::chrono::milliseconds keys_reload_interval{std::chrono::seconds(30)};
  std::optional<WitnessingConfig> witnesses;
  // [tiles] prefix and public: the ledger as C2SP tlog-tiles under the
  // prefix (docs/ledger-and-evidence.md). Entries name people and tasks, so
  // by default a caller authenticates as for /v1/ledger; public = true
  // serves them to anyone (a public log, monitors without an identity).
  std::string tiles_prefix = "/tlog";
  bool tiles_public = false;
};

std::expected<ServerConfig, std::string> parse_server_config(std::string_view text, std::string_view source_name,
                                                             const std::filesystem::path& base_dir);
std::expected<ServerConfig, std::string> load_server_config(const std::filesystem::path& file);

// Fills public_url, issuer and audience where the config left them out,
// from the address and the port actually bound (port = 0 picks any free
// port: the defaults must name the one picked, not 0).
void settle_bound_port(ServerConfig& config, std::uint16_t port);

}  // namespace mandate::server
