// The OAuth side: authorization server metadata (RFC 8414), JWKS, token
// exchange (RFC 8693: a workload trades its identity for the mandate of its
// approved task), introspection (RFC 7662) and revocation (RFC 7009).
// Errors take RFC 6749 §5.2's shape: {"error", "error_description"}.
#include "broker/records.h"
#include "core/time.h"
#include "encoding/base64.h"
#include "home/home.h"
#include "core/error.h"
#include "server/internal/application.h"
#include "server/internal/route_support.h"

namespace mandate::server {

namespace {

constexpr std::string_view kTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr std::string_view kJwtType = "urn:ietf:params:oauth:token-type:jwt";
constexpr std::string_view kIdTokenType = "urn:ietf:params:oauth:token-type:id_token";
// mandate's own type for an X.509-SVID presented over mTLS: the subject
// token is the base64url DER of the same client certificate.
constexpr std::string_view kX509SvidType = "urn:mandate:params:oauth:token-type:x509-svid";
constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
// The task whose mandate is asked for, named in `scope` (RFC 8693 §2.1: the
// scope of the requested token); `resource` and `audience` name the
// resource servers it is for (RFC 8707), as RFC 8693 means them.
constexpr std::string_view kTaskScopePrefix = "task:";

Response oauth_error(int status, std::string_view code, const std::string& description) {
  return json_response(status, error_body(code, description));
}

using Form = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string> field(const Form& form, std::string_view name) {
  for (const auto& [k, v] : form) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::vector<std::string> all_fields(const Form& form, std::initializer_list<std::string_view> names) {
  std::vector<std::string> out;
  for (const auto& [k, v] : form) {
    if (std::find(names.begin(), names.end(), k) != names.end() && std::find(out.begin(), out.end(), v) == out.end()) {
      out.push_back(v);
    }
  }
  return out;
}

std::expected<Form, Response> form_body(const Request& request) {
  const auto type = request.header("content-type");
  if (!type || !media_type_matches(*type, "application/x-www-form-urlencoded")) {
    return std::unexpected(oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded"));
  }
  auto form = parse_form(request.body, {"resource", "audience"});
  if (!form) return std::unexpected(oauth_error(400, "invalid_request", "malformed form body, or a parameter repeats"));
  return *form;
}

// Who the token-exchange caller is, from its subject token.
std::expected<AuthenticatedCaller, Response> exchange_subject(const Application& app, const Request& request,
                                                              const Form& form) {
  const auto token = field(form, "subject_token");
  const auto type = field(form, "subject_token_type");
  if (!token || !type) return std::unexpected(oauth_error(400, "invalid_request", "subject_token and subject_token_type are required"));
  if (*type == kJwtType || *type == kIdTokenType) {
    try {
      return app.authenticate_token(*token);
    } catch (const Error&) {  // RFC 6749 §5.2 names no reason; the token endpoint gives none
      return std::unexpected(oauth_error(401, "invalid_client", "the subject token was refused"));
    }
  }
  if (*type == kX509SvidType) {
    auto der = encoding::base64url_decode(*token);
    if (request.peer_certificates_der.empty() || !der ||
        std::string(der->begin(), der->end()) != request.peer_certificates_der.front()) {
      return std::unexpected(oauth_error(401, "invalid_client", "an x509-svid subject token must be the mTLS client certificate"));
    }
    try {
      return app.authenticate(request, Access::workload);
    } catch (const Error&) {
      return std::unexpected(oauth_error(401, "invalid_client", "the client certificate was refused"));
    }
  }
  return std::unexpected(oauth_error(400, "invalid_request", "unsupported subject_token_type"));
}

Response token_exchange(Application& app, Request& request) {
  auto form = form_body(request);
  if (!form) return form.error();
  if (field(*form, "grant_type") != kTokenExchange) {
    return oauth_error(400, "unsupported_grant_type", "only token exchange (RFC 8693) is supported");
  }
  if (auto t = field(*form, "requested_token_type"); t && *t != kAccessTokenType) {
    return oauth_error(400, "invalid_request", "only access tokens (mandates) are issued");
  }
  const auto scope = field(*form, "scope");
  if (!scope || !scope->starts_with(kTaskScopePrefix) || scope->size() == kTaskScopePrefix.size() ||
      scope->find(' ') != std::string::npos) {
    return oauth_error(400, "invalid_scope", "scope must name the approved task: task:<task id>");
  }
  auto who = exchange_subject(app, request, *form);
  if (!who) return who.error();
  const std::string task_id = scope->substr(kTaskScopePrefix.size());
  const std::vector<std::string> audience = all_fields(*form, {"resource", "audience"});
  try {
    const auto task = app.broker().task(task_id).record.task;
    if (task.executor != who->caller.actor_id) {
      return oauth_error(400, "invalid_grant", "mandates for task " + task_id + " are issued to its executor only");
    }
    for (const std::string& a : audience) {
      if (std::find(task.audience.begin(), task.audience.end(), a) == task.audience.end()) {
        return oauth_error(400, "invalid_target", "the task was not approved for the resource server " + a);
      }
    }
    const auto issued = app.broker().issue(who->caller, task_id, who->certificate_thumbprint, audience);
    const auto& m = issued.record.mandate;
    const bool certificate_bound = m.key_binding.kind == core::KeyBindingKind::x5t_s256;
    return json_ok({{"access_token", issued.token},
                    {"issued_token_type", kAccessTokenType},
                    {"token_type", certificate_bound ? "Bearer" : "DPoP"},
                    {"expires_in", std::chrono::duration_cast<std::chrono::seconds>(m.expires_at - app.broker().now()).count()},
                    {"authorization_details", broker::to_json(m.scope)}});
  } catch (const Error& e) {
    return oauth_error(400, "invalid_grant", e.what());
  }
}

// Introspection and revocation: an authenticated caller and a "token" form field.
struct TokenRequest {
  AuthenticatedCaller who;
  std::string token;
};

std::expected<TokenRequest, Response> token_request(const Application& app, const Request& request, Access access) {
  AuthenticatedCaller who = app.authenticate(request, access);  // throws: guarded() answers 401/403
  auto form = form_body(request);
  if (!form) return std::unexpected(form.error());
  auto token = field(*form, "token");
  if (!token) return std::unexpected(oauth_error(400, "invalid_request", "token is required"));
  return TokenRequest{std::move(who), std::move(*token)};
}

nlohmann::json metadata(const ServerConfig& c) {
  const std::string& base = c.public_url;
  return {{"issuer", c.issuer},
          {"token_endpoint", base + "/oauth/token"},
          {"introspection_endpoint", base + "/oauth/introspect"},
          {"revocation_endpoint", base + "/oauth/revoke"},
          {"jwks_uri", base + "/.well-known/jwks.json"},
          {"grant_types_supported", {kTokenExchange}},
          {"token_endpoint_auth_methods_supported", {"none", "tls_client_auth"}},
          {"introspection_endpoint_auth_methods_supported", {"bearer", "tls_client_auth"}},
          {"revocation_endpoint_auth_methods_supported", {"bearer", "tls_client_auth"}},
          {"dpop_signing_alg_values_supported", {"EdDSA", "ES256"}},
          {"tls_client_certificate_bound_access_tokens", true},
          {"authorization_details_types_supported", {"mandate"}},
          {"response_types_supported", nlohmann::json::array()}};
}

}  // namespace

void add_oauth_routes(Router& router, Application& app) {
  router.add("GET", "/.well-known/oauth-authorization-server", [&app](Request&, const PathParameters&) {
    return json_ok(metadata(app.config()));
  });
  router.add("GET", "/.well-known/jwks.json", [&app](Request&, const PathParameters&) {
    return json_ok(app.home().keys().jwks());
  });
  router.add("POST", "/oauth/token", [&app](Request& request, const PathParameters&) { return token_exchange(app, request); });
  router.add("POST", "/oauth/introspect", guarded([&app](Request& request, const PathParameters&) {
    auto asked = token_request(app, request, Access::authenticated);
    if (!asked) return asked.error();
    const auto status = app.broker().introspect(asked->token);
    if (!status.active) return json_ok({{"active", false}});
    auto claims = nlohmann::json::parse(status.payload_json);
    claims["active"] = true;
    claims["token_type"] = claims.contains("cnf") && claims["cnf"].contains("x5t#S256") ? "Bearer" : "DPoP";
    return json_ok(claims);
  }));
  router.add("POST", "/oauth/revoke", guarded([&app](Request& request, const PathParameters&) {
    auto asked = token_request(app, request, Access::human);
    if (!asked) return asked.error();
    // RFC 7009 §2.2: an invalid or already revoked token is answered 200 too.
    const auto status = app.broker().introspect(asked->token);
    if (!status.jti.empty()) {
      try {
        app.broker().revoke_mandate(asked->who.caller, status.jti, "revoked through the RFC 7009 endpoint");
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::bad_input) throw;
      }
    }
    return json_ok(nlohmann::json::object());
  }));
}

}  // namespace mandate::server
