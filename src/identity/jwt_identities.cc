// The four kinds of JWT a caller may present: which configured source a
// token belongs to, and what each kind requires beyond a valid signature.
#include "identity/internal/authenticator_impl.h"
#include "identity/internal/spiffe_id.h"
#include "token/jws.h"

namespace mandate::identity {
namespace {

// "system:serviceaccount:<namespace>:<name>", agreeing with the
// "kubernetes.io" claim that projected service-account tokens carry.
std::expected<VerifiedSubject, std::string> kubernetes_subject(const nlohmann::json& claims, const std::string& sub) {
  constexpr std::string_view kPrefix = "system:serviceaccount:";
  const auto colon = sub.find(':', kPrefix.size());
  if (!sub.starts_with(kPrefix) || colon == std::string::npos || colon == kPrefix.size() || colon + 1 == sub.size() ||
      sub.find(':', colon + 1) != std::string::npos) {
    return std::unexpected("the token's sub is not system:serviceaccount:<namespace>:<name>");
  }
  const std::string ns = sub.substr(kPrefix.size(), colon - kPrefix.size());
  const std::string name = sub.substr(colon + 1);
  const auto k8s = claims.find("kubernetes.io");
  if (k8s == claims.end() || !k8s->is_object()) return std::unexpected("the token has no \"kubernetes.io\" claim");
  const auto sa = k8s->find("serviceaccount");
  if (string_claim(*k8s, "namespace") != ns || sa == k8s->end() || !sa->is_object() ||
      string_claim(*sa, "name") != name) {
    return std::unexpected("the token's \"kubernetes.io\" claim does not agree with its sub");
  }
  VerifiedSubject subject{sub, {{"namespace", ns}, {"serviceaccount", name}}};
  if (const auto pod = k8s->find("pod"); pod != k8s->end() && pod->is_object()) {
    if (auto pod_name = string_claim(*pod, "name")) subject.attributes.emplace("pod", *pod_name);
  }
  return subject;
}

VerifiedSubject claim_subject(const nlohmann::json& claims, const std::string& sub, CredentialKind kind) {
  VerifiedSubject subject{sub, {}};
  for (const auto& name : rule_attributes(kind)) {
    if (auto value = string_claim(claims, name); value && printable(*value)) subject.attributes.emplace(name, *value);
  }
  return subject;
}

// Replaces every "{}" of the template with the claim's value.
std::string fill(const std::string& actor_template, const std::string& value) {
  std::string out;
  std::size_t from = 0;
  for (auto at = actor_template.find("{}"); at != std::string::npos; at = actor_template.find("{}", from)) {
    out += actor_template.substr(from, at - from) + value;
    from = at + 2;
  }
  return out + actor_template.substr(from);
}

}  // namespace

ClaimRules Authenticator::Impl::rules_for(std::optional<std::string> issuer,
                                          const std::vector<std::string>& audiences) const {
  ClaimRules rules;
  rules.issuer = std::move(issuer);
  rules.audiences = audiences;
  rules.now = clock();
  rules.skew = config.clock_skew;
  return rules;
}

std::expected<void, AuthFailure> Authenticator::Impl::verify(const UnverifiedJwt& jwt, IssuerKeys& keys,
                                                             const ClaimRules& rules, const std::string& label) const {
  auto key = keys.find(jwt.kid, jwt.algorithm);
  if (!key) return fail("bearer token (" + label + "): " + key.error());
  if (!key->verify(jwt.signing_input, jwt.signature)) {
    return fail("bearer token (" + label + "): the signature does not verify with the issuer's key");
  }
  if (auto ok = check_claims(jwt.claims, rules); !ok) return fail("bearer token (" + label + "): " + ok.error());
  const auto sub = string_claim(jwt.claims, "sub");
  if (!printable(*sub) || sub->size() > 1024) return fail("bearer token (" + label + "): the sub is not printable");
  return {};
}

std::expected<Identity, AuthFailure> Authenticator::Impl::token(std::string_view compact) {
  const auto now = clock();
  if (auto known = verified_tokens.find(compact, now)) return *known;
  auto jwt = parse_jwt(compact);
  if (!jwt) return fail("bearer token: " + jwt.error());
  auto identity = verify_token(*jwt);
  if (identity) {
    // check_claims required a numeric exp before this point.
    const auto exp = std::chrono::system_clock::time_point(
        std::chrono::seconds(static_cast<std::int64_t>(jwt->claims.at("exp").get<double>())));
    verified_tokens.remember(compact, *identity, exp, now);
  }
  return identity;
}

std::expected<Identity, AuthFailure> Authenticator::Impl::verify_token(const UnverifiedJwt& parsed) {
  const UnverifiedJwt* jwt = &parsed;
  // The issuer chooses the keys; nothing read here is trusted until the
  // signature with those keys verifies.
  const auto iss = string_claim(jwt->claims, "iss");
  for (std::size_t i = 0; iss && i < config.oidc.size(); ++i) {
    if (config.oidc[i].issuer == *iss) return oidc(*jwt, i, config.oidc[i].audiences);
  }
  for (std::size_t i = 0; iss && i < config.workloads.size(); ++i) {
    if (!config.workloads[i].issuer.empty() && config.workloads[i].issuer == *iss) return workload(*jwt, i);
  }
  // A JWT-SVID need not carry iss: its sub's trust domain chooses the bundle.
  const auto sub = string_claim(jwt->claims, "sub");
  const auto spiffe = sub ? parse_spiffe_id(*sub) : std::unexpected(std::string());
  for (std::size_t i = 0; spiffe && i < config.workloads.size(); ++i) {
    const auto& source = config.workloads[i];
    if (source.kind == CredentialKind::jwt_svid && source.trust_domain == spiffe->trust_domain) {
      return workload(*jwt, i);
    }
  }
  return fail("bearer token: its issuer is not a configured identity provider or trust domain");
}

std::expected<Identity, AuthFailure> Authenticator::Impl::oidc(const UnverifiedJwt& jwt, std::size_t index,
                                                               const std::vector<std::string>& audiences) {
  const OidcProvider& provider = config.oidc[index];
  ClaimRules rules = rules_for(provider.issuer, audiences);
  rules.require_iat = true;  // OpenID Connect Core §2
  const std::string label = "oidc " + provider.issuer;
  if (auto ok = verify(jwt, *oidc_keys[index], rules, label); !ok) return std::unexpected(ok.error());
  // The provider's JWT access tokens (RFC 9068) share its keys and issuer;
  // one is not a statement about who is calling.
  if (jwt.typ && token::media_type_is(*jwt.typ, "at+jwt")) {
    return fail("bearer token (" + label + "): an access token (typ at+jwt) is not an ID token");
  }
  const auto value = string_claim(jwt.claims, provider.actor_claim);
  if (!value || value->empty() || !printable(*value)) {
    return fail("bearer token (" + label + "): no printable \"" + provider.actor_claim + "\" claim names the actor");
  }
  if (provider.actor_claim == "email" && provider.require_email_verified) {
    const auto verified = jwt.claims.find("email_verified");
    if (verified == jwt.claims.end() || *verified != true) {
      return fail("bearer token (" + label + "): the email is not verified (email_verified)");
    }
  }
  const std::string sub = *string_claim(jwt.claims, "sub");
  Identity identity;
  identity.actor_id = fill(provider.actor_template, *value);
  identity.kind = "human";
  identity.authenticated_by = "oidc:" + provider.issuer + " sub=" + sub;
  identity.credential = CredentialKind::oidc;
  identity.subject = sub;
  identity.issuer = provider.issuer;
  return identity;
}

std::expected<Identity, AuthFailure> Authenticator::Impl::login(std::string_view compact, const std::string& issuer,
                                                                const std::string& client_id, const std::string& nonce) {
  std::size_t index = 0;
  while (index < config.oidc.size() && config.oidc[index].issuer != issuer) ++index;
  if (index == config.oidc.size()) return fail("ID token: " + issuer + " is not a configured OpenID provider");
  auto jwt = parse_jwt(compact);
  if (!jwt) return fail("ID token: " + jwt.error());
  auto identity = oidc(*jwt, index, {client_id});
  if (!identity) {
    // The same checks as for a bearer token; the message names what it was.
    constexpr std::string_view kBearer = "bearer token";
    std::string reason = identity.error().reason;
    if (reason.starts_with(kBearer)) reason.replace(0, kBearer.size(), "ID token");
    return fail(reason);
  }
  const std::string label = "ID token (oidc " + issuer + ")";
  // Several audiences: the token must say it was issued to this client.
  if (const auto aud = jwt->claims.find("aud"); aud != jwt->claims.end() && aud->is_array() && aud->size() > 1 &&
                                                string_claim(jwt->claims, "azp") != client_id) {
    return fail(label + ": aud names several clients and azp is not " + client_id);
  }
  // The nonce ties the token to the login this browser started: a token
  // obtained for another login (replayed, or injected by an attacker) fails.
  if (string_claim(jwt->claims, "nonce") != nonce) return fail(label + ": the nonce is not the one this login sent");
  return identity;
}

std::expected<Identity, AuthFailure> Authenticator::Impl::workload(const UnverifiedJwt& jwt, std::size_t index) {
  const WorkloadSource& source = config.workloads[index];
  const std::string label =
      std::string(to_string(source.kind)) + " " + (source.issuer.empty() ? source.trust_domain : source.issuer);
  const auto issuer = source.issuer.empty() ? std::nullopt : std::optional<std::string>(source.issuer);
  if (auto ok = verify(jwt, *workload_keys[index], rules_for(issuer, source.audiences), label); !ok) {
    return std::unexpected(ok.error());
  }
  const std::string sub = *string_claim(jwt.claims, "sub");
  std::expected<Identity, AuthFailure> identity = fail("");
  if (source.kind == CredentialKind::jwt_svid) {
    auto id = parse_spiffe_id(sub);
    if (!id || id->trust_domain != source.trust_domain) {
      return fail("bearer token (" + label + "): the sub is not a SPIFFE ID of trust domain " + source.trust_domain);
    }
    identity = map_workload(source, VerifiedSubject{sub, {}}, "jwt-svid:" + sub);
  } else if (source.kind == CredentialKind::kubernetes) {
    auto subject = kubernetes_subject(jwt.claims, sub);
    if (!subject) return fail("bearer token (" + label + "): " + subject.error());
    identity = map_workload(source, *subject, "kubernetes:" + sub);
  } else {
    identity = map_workload(source, claim_subject(jwt.claims, sub, source.kind), "github-actions:" + sub);
  }
  if (identity) identity->issuer = source.issuer.empty() ? source.trust_domain : source.issuer;
  return identity;
}

}  // namespace mandate::identity
