// parse_identity_config: the [identity] table, strictly — unknown keys,
// wrong types, missing files and contradictory settings are errors naming
// file:line:column, so a typo never silently weakens authentication.
#include <fstream>
#include <set>
#include <sstream>

#include "identity/authenticator.h"
#include "identity/internal/mapping.h"
#include "identity/internal/spiffe_id.h"
#include "identity/internal/verification_key.h"
#include "identity/internal/x509_svid.h"
#include "settings/strict_toml.h"

namespace mandate::identity {
namespace {

using Refusal = std::unexpected<std::string>;
namespace fs = std::filesystem;

constexpr std::string_view kGithubIssuer = "https://token.actions.githubusercontent.com";

std::string where(const toml::node& node) { return settings::place(node); }

// One table being read: remembers which keys were consumed so leftovers are
// reported as unknown settings.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string name) : table_(table), name_(std::move(name)) {}

  std::string here() const { return where(table_) + ": [" + name_ + "]"; }
  std::string at(std::string_view key) const {
    const toml::node* node = table_.get(key);
    return (node != nullptr ? where(*node) : where(table_)) + ": " + name_ + "." + std::string(key);
  }
  const toml::node* get(std::string_view key) {
    used_.insert(std::string(key));
    return table_.get(key);
  }

  std::expected<std::optional<std::string>, std::string> string(std::string_view key) {
    const toml::node* node = get(key);
    if (node == nullptr) return std::optional<std::string>{};
    auto text = settings::string_value(*node);
    if (!text) return Refusal(at(key) + " must be a string");
    auto value = std::move(*text);
    if (value.empty()) return Refusal(at(key) + " is empty");
    return std::optional<std::string>(std::move(value));
  }
  std::expected<std::string, std::string> required_string(std::string_view key) {
    auto value = string(key);
    if (!value) return Refusal(value.error());
    if (!*value) return Refusal(here() + ": missing required setting " + std::string(key));
    return std::move(**value);
  }
  std::expected<std::optional<bool>, std::string> boolean(std::string_view key) {
    const toml::node* node = get(key);
    if (node == nullptr) return std::optional<bool>{};
    const auto value = settings::bool_value(*node);
    if (!value) return Refusal(at(key) + " must be true or false");
    return value;
  }
  // Whole seconds in [min, max].
  std::expected<std::optional<std::int64_t>, std::string> seconds(std::string_view key, std::int64_t min,
                                                                  std::int64_t max) {
    const toml::node* node = get(key);
    if (node == nullptr) return std::optional<std::int64_t>{};
    if (!settings::integer_value(*node)) return Refusal(at(key) + " must be an integer number of seconds");
    const auto value = settings::integer_in(*node, min, max);
    if (!value) return Refusal(at(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return value;
  }
  // A string or an array of strings.
  std::expected<std::vector<std::string>, std::string> strings(std::string_view key) {
    const toml::node* node = get(key);
    if (node == nullptr) return std::vector<std::string>{};
    if (node->is_string()) return std::vector<std::string>{*node->value<std::string>()};
    const toml::array* array = node->as_array();
    std::vector<std::string> out;
    if (array != nullptr) {
      for (const auto& item : *array) {
        if (!item.is_string() || item.value<std::string>()->empty()) break;
        out.push_back(*item.value<std::string>());
      }
    }
    if (array == nullptr || out.size() != array->size() || out.empty()) {
      return Refusal(at(key) + " must be a non-empty string or array of non-empty strings");
    }
    return out;
  }
  std::expected<void, std::string> no_unknown_keys() const {
    for (const auto& [key, node] : table_) {
      if (!used_.contains(std::string(key.str()))) {
        const auto& src = key.source();
        const std::string place = src.begin.line > 0 ? settings::place(src) : where(node);
        return Refusal(place + ": unknown setting " + name_ + "." + std::string(key.str()));
      }
    }
    return {};
  }

 private:
  const toml::table& table_;
  std::string name_;
  std::set<std::string> used_;
};

std::expected<std::string, std::string> read_text(const fs::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Refusal(what + ": cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path resolve(const fs::path& base_dir, const std::string& path) {
  const fs::path p(path);
  return p.is_absolute() ? p : base_dir / p;
}

bool is_url(const std::string& url, bool allow_http) {
  return url.starts_with("https://") || (allow_http && url.starts_with("http://"));
}

// jwks_uri / jwks_file / ca_file / allow_http.
std::expected<KeySourceConfig, std::string> key_source(TableReader& table, const fs::path& base_dir) {
  KeySourceConfig keys;
  auto allow_http = table.boolean("allow_http");
  if (!allow_http) return Refusal(allow_http.error());
  keys.allow_http = allow_http->value_or(false);
  auto uri = table.string("jwks_uri");
  if (!uri) return Refusal(uri.error());
  if (*uri && !is_url(**uri, keys.allow_http)) return Refusal(table.at("jwks_uri") + " must be an https:// URL");
  keys.jwks_uri = *uri;
  auto file = table.string("jwks_file");
  if (!file) return Refusal(file.error());
  if (*file) {
    if (keys.jwks_uri) return Refusal(table.at("jwks_file") + ": set jwks_uri or jwks_file, not both");
    auto text = read_text(resolve(base_dir, **file), table.at("jwks_file"));
    if (!text) return Refusal(text.error());
    if (auto ok = parse_jwks(*text); !ok) return Refusal(table.at("jwks_file") + ": " + ok.error());
    keys.jwks_json = std::move(*text);
  }
  auto ca = table.string("ca_file");
  if (!ca) return Refusal(ca.error());
  if (*ca) {
    keys.ca_file = resolve(base_dir, **ca);
    if (!fs::is_regular_file(*keys.ca_file)) return Refusal(table.at("ca_file") + ": no such file " + keys.ca_file->string());
  }
  return keys;
}

std::expected<std::string, std::string> issuer_url(TableReader& table, bool allow_http, bool required,
                                                   std::string fallback) {
  auto issuer = table.string("issuer");
  if (!issuer) return Refusal(issuer.error());
  if (!*issuer) {
    if (required) return Refusal(table.here() + ": missing required setting issuer");
    return fallback;
  }
  if (!is_url(**issuer, allow_http)) return Refusal(table.at("issuer") + " must be an https:// URL");
  return std::move(**issuer);
}

std::expected<std::vector<std::string>, std::string> audiences(TableReader& table,
                                                               const std::vector<std::string>& fallback) {
  auto own = table.strings("audience");
  if (!own) return Refusal(own.error());
  if (!own->empty()) return own;
  if (fallback.empty()) return Refusal(table.here() + ": no audience (set it here or as identity.audience)");
  return fallback;
}

std::expected<OidcProvider, std::string> parse_oidc(const toml::table& table, const fs::path& base_dir,
                                                    const std::vector<std::string>& default_audience) {
  TableReader reader(table, "identity.oidc");
  OidcProvider provider;
  auto keys = key_source(reader, base_dir);
  if (!keys) return Refusal(keys.error());
  provider.keys = std::move(*keys);
  auto issuer = issuer_url(reader, provider.keys.allow_http, true, "");
  if (!issuer) return Refusal(issuer.error());
  provider.issuer = std::move(*issuer);
  auto aud = audiences(reader, default_audience);
  if (!aud) return Refusal(aud.error());
  provider.audiences = std::move(*aud);
  auto claim = reader.string("actor_claim");
  if (!claim) return Refusal(claim.error());
  provider.actor_claim = claim->value_or("sub");
  auto tmpl = reader.string("actor_template");
  if (!tmpl) return Refusal(tmpl.error());
  provider.actor_template = tmpl->value_or("{}");
  if (provider.actor_template.find("{}") == std::string::npos) {
    return Refusal(reader.at("actor_template") + " must contain {} (the claim's value)");
  }
  auto verified = reader.boolean("require_email_verified");
  if (!verified) return Refusal(verified.error());
  provider.require_email_verified = verified->value_or(true);
  if (auto ok = reader.no_unknown_keys(); !ok) return Refusal(ok.error());
  return provider;
}

std::expected<MappingRule, std::string> parse_rule(const toml::table& table, CredentialKind kind) {
  TableReader reader(table, "identity.workload.map");
  MappingRule rule;
  auto match = reader.string("match");
  if (!match) return Refusal(match.error());
  rule.subject = *match;
  for (const auto& name : rule_attributes(kind)) {
    auto pattern = reader.string(name);
    if (!pattern) return Refusal(pattern.error());
    if (*pattern) rule.claims.emplace(name, std::move(**pattern));
  }
  auto actor = reader.required_string("actor");
  if (!actor) return Refusal(actor.error());
  rule.actor = std::move(*actor);
  auto actor_kind = reader.string("kind");
  if (!actor_kind) return Refusal(actor_kind.error());
  rule.kind = actor_kind->value_or("workload");
  if (rule.kind != "workload" && rule.kind != "agent") return Refusal(reader.at("kind") + " must be workload or agent");
  if (auto ok = reader.no_unknown_keys(); !ok) return Refusal(ok.error());
  if (!rule.subject && rule.claims.empty()) return Refusal(reader.here() + ": a rule needs match or a claim pattern");
  return rule;
}

std::expected<CredentialKind, std::string> workload_kind(TableReader& reader) {
  auto kind = reader.required_string("kind");
  if (!kind) return Refusal(kind.error());
  for (const auto k : {CredentialKind::x509_svid, CredentialKind::jwt_svid, CredentialKind::github_actions,
                       CredentialKind::kubernetes}) {
    if (*kind == to_string(k)) return k;
  }
  return Refusal(reader.at("kind") + " must be x509-svid, jwt-svid, github-actions or kubernetes");
}

std::expected<void, std::string> parse_svid_source(TableReader& reader, WorkloadSource& source,
                                                   const fs::path& base_dir) {
  auto domain = reader.required_string("trust_domain");
  if (!domain) return Refusal(domain.error());
  if (!valid_trust_domain(*domain)) return Refusal(reader.at("trust_domain") + " is not a SPIFFE trust domain name");
  source.trust_domain = std::move(*domain);
  if (source.kind == CredentialKind::x509_svid) {
    auto bundle = reader.required_string("bundle");
    if (!bundle) return Refusal(bundle.error());
    auto pem = read_text(resolve(base_dir, *bundle), reader.at("bundle"));
    if (!pem) return Refusal(pem.error());
    if (auto ok = X509Bundle::from_pem(*pem); !ok) return Refusal(reader.at("bundle") + ": " + ok.error());
    source.x509_bundle_pem = std::move(*pem);
  }
  return {};
}

std::expected<WorkloadSource, std::string> parse_workload(const toml::table& table, const fs::path& base_dir,
                                                          const std::vector<std::string>& default_audience) {
  TableReader reader(table, "identity.workload");
  WorkloadSource source;
  auto kind = workload_kind(reader);
  if (!kind) return Refusal(kind.error());
  source.kind = *kind;
  if (source.kind == CredentialKind::x509_svid || source.kind == CredentialKind::jwt_svid) {
    if (auto ok = parse_svid_source(reader, source, base_dir); !ok) return Refusal(ok.error());
  }
  if (source.kind != CredentialKind::x509_svid) {
    auto keys = key_source(reader, base_dir);
    if (!keys) return Refusal(keys.error());
    source.keys = std::move(*keys);
    // A JWT-SVID needs no iss (SPIFFE JWT-SVID §3) but then needs a key set.
    const bool jwt_svid = source.kind == CredentialKind::jwt_svid;
    auto issuer = issuer_url(reader, source.keys.allow_http, source.kind == CredentialKind::kubernetes,
                             source.kind == CredentialKind::github_actions ? std::string(kGithubIssuer) : "");
    if (!issuer) return Refusal(issuer.error());
    source.issuer = std::move(*issuer);
    if (jwt_svid && source.issuer.empty() && !source.keys.jwks_uri && !source.keys.jwks_json) {
      return Refusal(reader.here() + ": a jwt-svid source needs jwks_file, jwks_uri or issuer");
    }
    auto aud = audiences(reader, default_audience);
    if (!aud) return Refusal(aud.error());
    source.audiences = std::move(*aud);
  }
  const toml::node* map = reader.get("map");
  const toml::array* rules = map != nullptr ? map->as_array() : nullptr;
  if (rules == nullptr || rules->empty()) return Refusal(reader.here() + ": needs at least one [[identity.workload.map]] rule");
  for (const auto& node : *rules) {
    const toml::table* rule_table = node.as_table();
    if (rule_table == nullptr) return Refusal(where(node) + ": identity.workload.map entries must be tables");
    auto rule = parse_rule(*rule_table, source.kind);
    if (!rule) return Refusal(rule.error());
    source.rules.push_back(std::move(*rule));
  }
  if (auto ok = reader.no_unknown_keys(); !ok) return Refusal(ok.error());
  return source;
}

template <typename Parse>
std::expected<void, std::string> each_table(TableReader& reader, std::string_view key, Parse parse) {
  const toml::node* node = reader.get(key);
  if (node == nullptr) return {};
  const toml::array* array = node->as_array();
  if (array == nullptr) return Refusal(reader.at(key) + " must be an array of tables ([[identity." + std::string(key) + "]])");
  for (const auto& item : *array) {
    const toml::table* table = item.as_table();
    if (table == nullptr) return Refusal(where(item) + ": identity." + std::string(key) + " entries must be tables");
    if (auto ok = parse(*table); !ok) return ok;
  }
  return {};
}

// One issuer, one trust domain per kind: otherwise which entry a token
// belongs to would depend on the order of the file.
std::expected<void, std::string> no_duplicates(const IdentityConfig& config) {
  std::set<std::string> issuers, x509_domains, jwt_domains;
  for (const auto& p : config.oidc) {
    if (!issuers.insert(p.issuer).second) return Refusal("identity: issuer " + p.issuer + " is configured twice");
  }
  for (const auto& w : config.workloads) {
    if (!w.issuer.empty() && !issuers.insert(w.issuer).second) {
      return Refusal("identity: issuer " + w.issuer + " is configured twice");
    }
    auto& domains = w.kind == CredentialKind::x509_svid ? x509_domains : jwt_domains;
    if (!w.trust_domain.empty() && !domains.insert(w.trust_domain).second) {
      return Refusal("identity: trust domain " + w.trust_domain + " is configured twice for " +
                     std::string(to_string(w.kind)));
    }
  }
  return {};
}

std::expected<void, std::string> parse_timing(TableReader& reader, IdentityConfig& config) {
  auto skew = reader.seconds("clock_skew", 0, 300);
  if (!skew) return Refusal(skew.error());
  if (*skew) config.clock_skew = std::chrono::seconds(**skew);
  auto refresh = reader.seconds("jwks_refresh_interval", 0, 86400);
  if (!refresh) return Refusal(refresh.error());
  if (*refresh) config.refresh_interval = std::chrono::seconds(**refresh);
  auto ttl = reader.seconds("jwks_cache_ttl", 0, 7 * 86400);
  if (!ttl) return Refusal(ttl.error());
  if (*ttl) config.cache_ttl = std::chrono::seconds(**ttl);
  auto timeout = reader.seconds("fetch_timeout", 1, 60);
  if (!timeout) return Refusal(timeout.error());
  if (*timeout) config.fetch_timeout = std::chrono::seconds(**timeout);
  return {};
}

std::expected<IdentityConfig, std::string> parse_identity_table(const toml::table& identity, const fs::path& base_dir) {
  TableReader reader(identity, "identity");
  IdentityConfig config;
  auto audience = reader.strings("audience");
  if (!audience) return Refusal(audience.error());
  if (auto ok = parse_timing(reader, config); !ok) return Refusal(ok.error());
  auto oidc = each_table(reader, "oidc", [&](const toml::table& t) -> std::expected<void, std::string> {
    auto provider = parse_oidc(t, base_dir, *audience);
    if (!provider) return Refusal(provider.error());
    config.oidc.push_back(std::move(*provider));
    return {};
  });
  if (!oidc) return Refusal(oidc.error());
  auto workloads = each_table(reader, "workload", [&](const toml::table& t) -> std::expected<void, std::string> {
    auto source = parse_workload(t, base_dir, *audience);
    if (!source) return Refusal(source.error());
    config.workloads.push_back(std::move(*source));
    return {};
  });
  if (!workloads) return Refusal(workloads.error());
  if (auto ok = reader.no_unknown_keys(); !ok) return Refusal(ok.error());
  if (auto ok = no_duplicates(config); !ok) return Refusal(ok.error());
  return config;
}

}  // namespace

std::expected<IdentityConfig, std::string> parse_identity_config(std::string_view config_text, std::string_view source,
                                                                 const std::filesystem::path& base_dir) {
  auto document = settings::parse(config_text, source);
  if (!document) return Refusal(document.error());
  const toml::node* identity = document->get("identity");
  if (identity == nullptr) return parse_identity_table(toml::table{}, base_dir);
  if (!identity->is_table()) return Refusal(settings::place(source, *identity) + ": identity must be a table");
  return parse_identity_table(*identity->as_table(), base_dir);
}

}  // namespace mandate::identity
