#include "core/error.h"
#include "server/config.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "broker/records.h"
#include "identity/authenticator.h"
#include "notify/webhooks.h"
#include "witness/policy.h"
#include "settings/secret_file.h"
#include "settings/strict_toml.h"

namespace mandate::server {
namespace {

// Collects the first error with its place, so each setting reads in one line.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  std::string at(const toml::node& node) const { return settings::place(source_, node); }
  bool failed() const { return error_.has_value(); }
  const std::string& error() const { return *error_; }
  void fail_at(const toml::node& node, const std::string& why) { set(at(node) + ": " + why); }
  void fail(const std::string& why) { set(source_ + ": " + why); }

  void only(const toml::table& table, const std::set<std::string>& keys, const std::string& section) {
    if (auto unknown = settings::unknown_key(table, keys, source_, settings::unknown_setting_prefix(section))) {
      set(*unknown);
    }
  }
  const toml::table* table(const toml::table& parent, std::string_view key) {
    const toml::node* node = parent.get(key);
    if (!node) return nullptr;
    if (!node->is_table()) fail_at(*node, std::string(key) + " must be a table");
    return node->as_table();
  }
  void text(const toml::table& t, std::string_view key, std::string& out) {
    if (const toml::node* node = t.get(key)) {
      if (auto v = settings::string_value(*node)) out = *v;
      else fail_at(*node, std::string(key) + " must be a string");
    }
  }
  template <class Int>
  void integer(const toml::table& t, std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    if (const toml::node* node = t.get(key)) {
      auto v = settings::integer_in(*node, min, max);
      if (!v) {
        fail_at(*node, std::string(key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
      } else {
        out = static_cast<Int>(*v);
      }
    }
  }
  void boolean(const toml::table& t, std::string_view key, bool& out) {
    if (const toml::node* node = t.get(key)) {
      if (auto v = settings::bool_value(*node)) out = *v;
      else fail_at(*node, std::string(key) + " must be true or false");
    }
  }
  void duration(const toml::table& t, std::string_view key, std::chrono::milliseconds& out) {
    if (const toml::node* node = t.get(key)) {
      auto text = settings::string_value(*node);
      auto d = text ? broker::parse_duration(*text) : std::nullopt;
      if (!d || d->count() <= 0) fail_at(*node, std::string(key) + " must be a duration such as \"10s\" or \"2m\"");
      else out = *d;
    }
  }
  void strings(const toml::table& t, std::string_view key, std::vector<std::string>& out) {
    if (const toml::node* node = t.get(key)) {
      const toml::array* list = node->as_array();
      if (!list) return fail_at(*node, std::string(key) + " must be an array of strings");
      for (const auto& item : *list) {
        auto value = settings::string_value(item);
        if (!value) return fail_at(item, std::string(key) + " must hold strings only");
        out.push_back(*value);
      }
    }
  }

 private:
  void set(std::string message) {
    if (!error_) error_ = std::move(message);
  }
  std::string source_;
  std::optional<std::string> error_;
};

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& path) {
  const std::filesystem::path p(path);
  return p.is_absolute() ? p : base / p;
}

void read_listen(Reader& r, const toml::table& root, ServerConfig& c) {
  const toml::table* t = r.table(root, "listen");
  if (!t) return;
  r.only(*t, {"address", "port", "network_threads", "handler_threads"}, "listen");
  r.text(*t, "address", c.listen.address);
  r.integer(*t, "port", c.listen.port, 0, 65535);
  r.integer(*t, "network_threads", c.listen.network_threads, 1, 64);
  r.integer(*t, "handler_threads", c.listen.handler_threads, 1, 1024);
}

void read_tls(Reader& r, const toml::table& root, const std::filesystem::path& base, ServerConfig& c) {
  const toml::table* t = r.table(root, "tls");
  if (!t) return;
  r.only(*t, {"certificate", "private_key", "client_certificates"}, "tls");
  std::string certificate, key;
  TlsSettings tls;
  r.text(*t, "certificate", certificate);
  r.text(*t, "private_key", key);
  r.boolean(*t, "client_certificates", tls.request_client_certificate);
  if (certificate.empty() || key.empty()) return r.fail_at(*t, "tls needs both certificate and private_key");
  tls.certificate_chain = resolve(base, certificate);
  tls.private_key = resolve(base, key);
  c.listen.tls = tls;
}

void read_limits(Reader& r, const toml::table& root, ServerConfig& c) {
  const toml::table* t = r.table(root, "limits");
  if (!t) return;
  auto& l = c.listen.limits;
  r.only(*t, {"max_header_bytes", "max_body_bytes", "request_timeout", "idle_timeout", "drain_timeout", "max_connections",
              "max_event_streams"},
         "limits");
  r.integer(*t, "max_header_bytes", l.max_header_bytes, 1024, 1 << 20);
  r.integer(*t, "max_body_bytes", l.max_body_bytes, 1024, 64 << 20);
  r.integer(*t, "max_connections", l.max_connections, 1, 1'000'000);
  r.integer(*t, "max_event_streams", l.max_streams, 0, 100'000);
  r.duration(*t, "request_timeout", l.request_timeout);
  r.duration(*t, "idle_timeout", l.idle_timeout);
  r.duration(*t, "drain_timeout", l.drain_timeout);
}

// Where [console] oidc_issuer was written, for the check against
// [[identity.oidc]] once that table is read.
struct ConsolePlaces {
  std::string issuer;
};

// The change URL template, read whether or not the console is served: the
// webhooks' events carry the link too.
void read_change_url_template(Reader& r, const toml::table& t, ServerConfig& c) {
  const toml::node* node = t.get("change_url_template");
  if (!node) return;
  r.text(t, "change_url_template", c.change_url_template);
  const std::string& url = c.change_url_template;
  const bool http = url.starts_with("https://") || url.starts_with("http://");
  if (!(http && url.contains("{reference}"))) r.fail_at(*node, "change_url_template must be an http(s) URL holding {reference}");
}

// [console]: the change URL template alone, or with the sign-in
// (oidc_issuer and client_id, both) that makes the server serve the console.
void read_console(Reader& r, const toml::table& root, const std::filesystem::path& base, ServerConfig& c,
                  ConsolePlaces& places) {
  const toml::table* t = r.table(root, "console");
  if (!t) return;
  r.only(*t, {"oidc_issuer", "client_id", "client_secret_file", "session_ttl", "session_idle_timeout",
              "change_url_template", "assets_dir"},
         "console");
  read_change_url_template(r, *t, c);
  const bool signs_in = std::any_of(t->begin(), t->end(), [](const auto& kv) { return kv.first != "change_url_template"; });
  if (!signs_in) return;
  console::ConsoleConfig cc;
  r.text(*t, "oidc_issuer", cc.oidc_issuer);
  r.text(*t, "client_id", cc.client_id);
  if (cc.oidc_issuer.empty() || cc.client_id.empty()) {
    return r.fail_at(*t, "console sign-in needs both oidc_issuer and client_id");
  }
  places.issuer = r.at(*t->get("oidc_issuer"));
  std::chrono::milliseconds ttl = cc.session_ttl, idle = cc.session_idle_timeout;
  r.duration(*t, "session_ttl", ttl);
  r.duration(*t, "session_idle_timeout", idle);
  cc.session_ttl = std::chrono::duration_cast<std::chrono::seconds>(ttl);
  cc.session_idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(idle);
  if (const toml::node* node = t->get("client_secret_file")) {
    std::string file;
    r.text(*t, "client_secret_file", file);
    auto secret = file.empty() ? std::nullopt : settings::read_secret_file(resolve(base, file));
    if (!secret || secret->empty()) return r.fail_at(*node, "client_secret_file: cannot read a secret from " + file);
    cc.client_secret = std::move(secret);
  }
  if (const toml::node* node = t->get("assets_dir")) {
    std::string dir;
    r.text(*t, "assets_dir", dir);
    std::error_code ec;
    if (dir.empty() || !std::filesystem::is_directory(resolve(base, dir), ec)) {
      return r.fail_at(*node, "assets_dir: " + dir + " is not a directory");
    }
    cc.assets_dir = resolve(base, dir);
  }
  c.console = std::move(cc);
}

void read_witnesses(Reader& r, const toml::table& root, const std::filesystem::path& base, ServerConfig& c) {
  const toml::table* t = r.table(root, "witnesses");
  if (t == nullptr) return;
  r.only(*t, {"policy", "interval", "timeout", "required_for_ready"}, "witnesses");
  WitnessingConfig w;
  std::string policy;
  r.text(*t, "policy", policy);
  r.duration(*t, "interval", w.interval);
  r.duration(*t, "timeout", w.timeout);
  r.boolean(*t, "required_for_ready", w.required_for_ready);
  if (r.failed()) return;
  if (policy.empty()) return r.fail_at(*t, "[witnesses] needs policy, the C2SP tlog-policy file naming the witnesses");
  w.policy_file = resolve(base, policy);
  auto parsed = witness::WitnessPolicy::load(w.policy_file);
  if (!parsed) return r.fail_at(*t->get("policy"), parsed.error());
  if (std::none_of(parsed->witnesses().begin(), parsed->witnesses().end(), [](const auto& x) { return !x.url.empty(); })) {
    return r.fail_at(*t->get("policy"), w.policy_file.string() + ": no witness line has a URL to send checkpoints to");
  }
  w.policy = std::make_shared<const witness::WitnessPolicy>(std::move(*parsed));
  c.witnesses = std::move(w);
}

// The first path segments the API's own routes take: a tiles prefix there
// would be shadowed by them (or shadow them).
bool taken_by_the_api(std::string_view first_segment) {
  for (std::string_view taken : {"v1", "oauth", ".well-known", "access", "console", "healthz", "readyz", "metrics", "mcp"}) {
    if (first_segment == taken) return true;
  }
  return false;
}

// "/tlog", "/logs/mandate": segments of URL-safe characters, no trailing slash.
std::optional<std::string> tiles_prefix_problem(std::string_view prefix) {
  if (!prefix.starts_with('/') || prefix.size() < 2 || prefix.ends_with('/')) {
    return "must start with / and not end with it, e.g. \"/tlog\"";
  }
  std::string_view rest = prefix.substr(1);
  if (taken_by_the_api(rest.substr(0, rest.find('/')))) return "must not start with a segment the API uses";
  for (std::size_t start = 0; start <= rest.size();) {
    const auto end = std::min(rest.find('/', start), rest.size());
    const std::string_view segment = rest.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == ".." ||
        segment.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~") != std::string_view::npos) {
      return "segment \"" + std::string(segment) + "\" must be letters, digits and - . _ ~ only";
    }
    start = end + 1;
  }
  return std::nullopt;
}

void read_tiles(Reader& r, const toml::table& root, ServerConfig& c) {
  const toml::table* t = r.table(root, "tiles");
  if (!t) return;
  r.only(*t, {"prefix", "public"}, "tiles");
  r.text(*t, "prefix", c.tiles_prefix);
  r.boolean(*t, "public", c.tiles_public);
  if (const toml::node* node = t->get("prefix")) {
    if (auto problem = tiles_prefix_problem(c.tiles_prefix)) r.fail_at(*node, "prefix " + *problem);
  }
}

}  // namespace

std::expected<ServerConfig, std::string> parse_server_config(std::string_view text, std::string_view source,
                                                             const std::filesystem::path& base) {
  auto parsed = settings::parse(text, source);
  if (!parsed) return std::unexpected(parsed.error());
  const toml::table& root = *parsed;
  Reader r(source);
  ServerConfig c;
  r.only(root, {"home", "public_url", "listen", "tls", "limits", "mandates", "access", "log", "authzen", "identity", "console",
               "webhooks", "keys", "mcp", "witnesses", "tiles"},
         "");
  std::string home = ".";
  r.text(root, "home", home);
  c.home = resolve(base, home);
  r.text(root, "public_url", c.public_url);
  // One form for everything built from it (discovery, console and webhook
  // links, the redirect URI): no trailing slash.
  while (c.public_url.ends_with('/')) c.public_url.pop_back();
  read_listen(r, root, c);
  read_tls(r, root, base, c);
  read_limits(r, root, c);
  if (const toml::table* t = r.table(root, "mandates")) {
    r.only(*t, {"issuer", "audience"}, "mandates");
    r.text(*t, "issuer", c.issuer);
    r.text(*t, "audience", c.audience);
  }
  if (const toml::table* t = r.table(root, "access")) {
    r.only(*t, {"administrators"}, "access");
    r.strings(*t, "administrators", c.administrators);
  }
  if (const toml::table* t = r.table(root, "authzen")) {
    r.only(*t, {"max_batch_items"}, "authzen");
    r.integer(*t, "max_batch_items", c.max_batch_items, 1, 100'000);
  }
  if (const toml::table* t = r.table(root, "keys")) {
    r.only(*t, {"reload_interval"}, "keys");
    r.duration(*t, "reload_interval", c.keys_reload_interval);
  }
  if (const toml::table* t = r.table(root, "log")) {
    r.only(*t, {"access"}, "log");
    r.text(*t, "access", c.access_log);
  }
  read_witnesses(r, root, base, c);
  read_tiles(r, root, c);
  ConsolePlaces console_places;
  read_console(r, root, base, c, console_places);
  if (r.failed()) return std::unexpected(r.error());
  auto webhooks = notify::parse_webhooks(text, source, base);
  if (!webhooks) return std::unexpected(webhooks.error());
  c.webhooks = std::move(*webhooks);
  auto gateway = mcp::parse_gateway_config(text, source, base);
  if (!gateway) return std::unexpected(gateway.error());
  c.mcp = std::move(*gateway);
  if (c.listen.port != 0) settle_bound_port(c, c.listen.port);
  if (c.access_log != "-" && c.access_log != "off") c.access_log = resolve(base, c.access_log).string();
  auto identity = identity::parse_identity_config(text, source, base);
  if (!identity) return std::unexpected(identity.error());
  c.identity = std::make_shared<const identity::IdentityConfig>(std::move(*identity));
  // The console signs people in with one of the providers that already
  // vouch for humans: its ID tokens are verified by that entry.
  if (c.console && std::none_of(c.identity->oidc.begin(), c.identity->oidc.end(),
                                [&](const auto& p) { return p.issuer == c.console->oidc_issuer; })) {
    return std::unexpected(console_places.issuer + ": oidc_issuer " + c.console->oidc_issuer +
                           " is not the issuer of an [[identity.oidc]] entry");
  }
  return c;
}

void settle_bound_port(ServerConfig& c, std::uint16_t port) {
  if (c.public_url.empty()) {
    const bool ipv6 = c.listen.address.find(':') != std::string::npos;
    c.public_url = std::string(c.listen.tls ? "https://" : "http://") + (ipv6 ? "[" : "") + c.listen.address +
                   (ipv6 ? "]" : "") + ":" + std::to_string(port);
  }
  if (c.issuer.empty()) c.issuer = c.public_url;
  if (c.audience.empty()) c.audience = c.issuer;
}

std::expected<ServerConfig, std::string> load_server_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(file.string() + ": cannot read the config file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_server_config(text.str(), file.string(), file.parent_path().empty() ? "." : file.parent_path());
}

}  // namespace mandate::server
