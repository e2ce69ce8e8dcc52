// Vault audit device entries (https://developer.hashicorp.com/vault/docs/audit).
// Each request is logged twice, as "request" and "response"; the pair
// becomes one event. HMAC'd values are kept as they are: the accessor's
// HMAC is stable, so it still links a token's uses to the login that
// created it (the login's response carries auth.accessor).
#include <unordered_map>

#include "ingest/internal/json_reader.h"
#include "ingest/internal/record_parser.h"

namespace mandate::ingest {
namespace {

using core::CredentialKind;
using core::EventCategory;
using core::EventResult;
using core::PrincipalKind;

bool has_prefix(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (const auto p : prefixes) {
    if (s.starts_with(p)) return true;
  }
  return false;
}

// The auth method that made a token shows in its display name.
PrincipalKind kind_of(JsonReader& r, std::string_view auth) {
  const std::string display(r.text(std::string(auth) + "/display_name"));
  if (!r.text(std::string(auth) + "/metadata/email").empty()) return PrincipalKind::human;
  if (has_prefix(display, {"oidc-", "userpass-", "ldap-", "okta-", "github-", "radius-", "saml-"})) {
    return PrincipalKind::human;
  }
  if (display == "root") return PrincipalKind::human;
  if (has_prefix(display, {"token-", "approle", "kubernetes-", "aws-", "cert-", "jwt-", "gcp-", "azure-"}) ||
      !r.text(std::string(auth) + "/metadata/AllocationID").empty() ||
      !r.text(std::string(auth) + "/metadata/service_account_name").empty() ||
      !r.text(std::string(auth) + "/metadata/role_name").empty()) {
    return PrincipalKind::workload;
  }
  return PrincipalKind::unknown;
}

core::Principal principal_of(JsonReader& r, std::string_view auth) {
  core::Principal p;
  const std::string prefix(auth);
  p.name = std::string(r.text(prefix + "/display_name"));
  p.id = std::string(r.text(prefix + "/entity_id"));
  if (p.id.empty()) p.id = p.name;
  if (p.id.empty()) {
    const std::string_view accessor = r.text(prefix + "/accessor");
    if (!accessor.empty()) p.id = "token " + std::string(accessor);
  }
  p.kind = kind_of(r, auth);
  return p;
}

EventResult result_of(JsonReader& r, bool response) {
  const std::string_view error = r.text("/error");
  if (!error.empty()) return error.find("permission denied") != std::string_view::npos ? EventResult::denied
                                                                                      : EventResult::failure;
  return response ? EventResult::success : EventResult::unknown;
}

class VaultParser final : public RecordParser {
 public:
  void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) override {
    if (!record.is_object()) return sink.refuse(origin, "a Vault audit entry must be a JSON object");
    JsonReader r(record);
    const std::string_view type = r.text("/type");
    const auto time = r.time("/time");
    const std::string_view path = r.text("/request/path");
    const std::string_view operation = r.text("/request/operation");
    const std::string request_id(r.text("/request/id"));
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (type != "request" && type != "response") return sink.refuse(origin, "type must be \"request\" or \"response\"");
    if (!time) return sink.refuse(origin, "missing time");
    if (operation.empty()) return sink.refuse(origin, "missing request.operation");
    const bool response = type == "response";
    core::AuditEvent e;
    e.source = "vault";
    e.time = *time;
    e.actor = principal_of(r, "/auth");
    e.credential = std::string(r.text("/auth/accessor"));
    if (e.credential.empty()) e.credential = std::string(r.text("/request/client_token_accessor"));
    e.credential_kind = e.credential.empty() ? CredentialKind::none : CredentialKind::token;
    const auto issued = r.time("/auth/token_issue_time");
    if (issued) e.credential_issued_at = issued;
    e.action = std::string(operation) + " " + std::string(path);
    e.resource = std::string(path);
    e.account = std::string(r.text("/request/namespace/id"));
    e.source_address = std::string(r.text("/request/remote_address"));
    e.result = result_of(r, response);
    for (const auto policy : r.texts("/auth/policies")) {
      if (policy == "root") e.signals.push_back("root_policy");
    }
    // A login (or token creation) hands out a token: its accessor is in the
    // response's auth block, and whoever logged in is named there too.
    const std::string_view issued_accessor = r.text("/response/auth/accessor");
    if (response && !issued_accessor.empty()) {
      e.issued_credential = std::string(issued_accessor);
      e.category = path.starts_with("auth/token/") ? EventCategory::credential_issued : EventCategory::authentication;
      if (e.actor.id.empty()) e.actor = principal_of(r, "/response/auth");
    }
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (e.actor.id.empty()) {
      // A token with no name still has a stable (HMAC'd) identity.
      const std::string_view token = r.text("/request/client_token");
      e.actor = {token.empty() ? "unauthenticated" : "token " + std::string(token), PrincipalKind::unknown, {}};
    }
    e.source_id = request_id;
    e.origin = origin;
    e.raw = sink.stored.write(record);
    e.id = event_id(e.source, e.raw);
    if (request_id.empty()) return sink.add(std::move(e));
    if (response) {
      if (pending_.erase(request_id) > 0) sink.merge();
      return sink.add(std::move(e));
    }
    // Two requests under one id (a replayed or concatenated log): the earlier
    // one still happened and is kept as its own event, not overwritten.
    if (auto earlier = pending_.find(request_id); earlier != pending_.end()) {
      sink.add(std::move(earlier->second));
      earlier->second = std::move(e);
      return;
    }
    pending_.emplace(request_id, std::move(e));
  }

  // A request whose response is not in this input still happened.
  void finish(ParseSink& sink) override {
    for (auto& [id, e] : pending_) sink.add(std::move(e));
    pending_.clear();
  }

 private:
  std::unordered_map<std::string, core::AuditEvent> pending_;
};

}  // namespace

std::unique_ptr<RecordParser> make_vault_parser() { return std::make_unique<VaultParser>(); }

}  // namespace mandate::ingest
