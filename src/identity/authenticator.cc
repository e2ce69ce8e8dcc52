#include "identity/authenticator.h"

#include "identity/internal/authenticator_impl.h"

namespace mandate::identity {

std::string_view to_string(CredentialKind kind) {
  switch (kind) {
    case CredentialKind::oidc:
      return "oidc";
    case CredentialKind::x509_svid:
      return "x509-svid";
    case CredentialKind::jwt_svid:
      return "jwt-svid";
    case CredentialKind::github_actions:
      return "github-actions";
    case CredentialKind::kubernetes:
      return "kubernetes";
  }
  return "?";
}

bool printable(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

namespace {

KeyTiming timing_of(const IdentityConfig& config) {
  return KeyTiming{config.refresh_interval, config.cache_ttl, config.fetch_timeout};
}

}  // namespace

Authenticator::Impl::Impl(IdentityConfig c, std::shared_ptr<JwksFetcher> fetcher, Clock k)
    : config(std::move(c)), clock(std::move(k)) {
  for (const auto& provider : config.oidc) {
    oidc_keys.push_back(std::make_unique<IssuerKeys>(provider.issuer, provider.keys, timing_of(config), fetcher, clock));
  }
  for (const auto& source : config.workloads) {
    if (source.kind == CredentialKind::x509_svid) {
      auto bundle = X509Bundle::from_pem(source.x509_bundle_pem);
      // parse_identity_config checked the bundle; a hand-built config with a
      // bad one simply matches no certificate.
      bundles.push_back(bundle ? std::optional<X509Bundle>(std::move(*bundle)) : std::nullopt);
      workload_keys.push_back(nullptr);
    } else {
      bundles.push_back(std::nullopt);
      workload_keys.push_back(
          std::make_unique<IssuerKeys>(source.issuer, source.keys, timing_of(config), fetcher, clock));
    }
  }
}

std::expected<Identity, AuthFailure> map_workload(const WorkloadSource& source, const VerifiedSubject& subject,
                                                  std::string authenticated_by) {
  const MappingRule* rule = first_match(source.rules, subject);
  if (rule == nullptr) {
    return fail("no mapping for " + std::string(to_string(source.kind)) + " " + subject.subject +
                " to a registered actor");
  }
  Identity identity;
  identity.actor_id = rule->actor;
  identity.kind = rule->kind;
  identity.authenticated_by = std::move(authenticated_by);
  identity.credential = source.kind;
  identity.subject = subject.subject;
  return identity;
}

std::expected<Identity, AuthFailure> Authenticator::Impl::x509(const std::vector<std::string>& chain,
                                                               const WorkloadSource& source,
                                                               const X509Bundle& bundle) const {
  auto svid = verify_x509_svid(chain, bundle, clock());
  if (!svid) return fail("client certificate: " + svid.error());
  const std::string id = svid->id.str();
  auto identity = map_workload(source, VerifiedSubject{id, {}}, "x509-svid:" + id);
  if (!identity) return identity;
  identity->certificate_thumbprint = std::move(svid->thumbprint);
  identity->issuer = source.trust_domain;
  return identity;
}

Authenticator::Authenticator(IdentityConfig config, std::shared_ptr<JwksFetcher> fetcher, Clock clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(fetcher), std::move(clock))) {}
Authenticator::~Authenticator() = default;
Authenticator::Authenticator(Authenticator&&) noexcept = default;
Authenticator& Authenticator::operator=(Authenticator&&) noexcept = default;

std::expected<Identity, AuthFailure> Authenticator::authenticate(const Presented& presented) {
  std::string certificate_note;
  if (!presented.peer_certificates_der.empty()) {
    auto claimed = claimed_spiffe_id(presented.peer_certificates_der);
    if (claimed) {
      for (std::size_t i = 0; i < impl_->config.workloads.size(); ++i) {
        const auto& source = impl_->config.workloads[i];
        if (source.kind == CredentialKind::x509_svid && source.trust_domain == claimed->trust_domain &&
            impl_->bundles[i]) {
          return impl_->x509(presented.peer_certificates_der, source, *impl_->bundles[i]);
        }
      }
      certificate_note = "its trust domain " + claimed->trust_domain + " is not configured";
    } else {
      certificate_note = claimed.error();
    }
  }
  if (presented.bearer_token) return authenticate_token(*presented.bearer_token);
  if (!certificate_note.empty()) {
    return fail("client certificate: not an X.509-SVID of a configured trust domain (" + certificate_note + ")");
  }
  return fail("no credentials: present an X.509-SVID as mTLS client certificate or a bearer token");
}

std::expected<Identity, AuthFailure> Authenticator::authenticate_token(std::string_view jwt) {
  return impl_->token(jwt);
}

std::optional<Identity> Authenticator::remembered_token(std::string_view jwt) {
  return impl_->verified_tokens.find(jwt, impl_->clock());
}

std::expected<Identity, AuthFailure> Authenticator::authenticate_login(std::string_view id_token,
                                                                     const std::string& issuer,
                                                                     const std::string& client_id,
                                                                     const std::string& nonce) {
  return impl_->login(id_token, issuer, client_id, nonce);
}

std::size_t Authenticator::key_refreshes(std::string_view name) const {
  for (std::size_t i = 0; i < impl_->config.oidc.size(); ++i) {
    if (impl_->config.oidc[i].issuer == name) return impl_->oidc_keys[i]->refresh_count();
  }
  for (std::size_t i = 0; i < impl_->config.workloads.size(); ++i) {
    const auto& source = impl_->config.workloads[i];
    if (impl_->workload_keys[i] && (source.issuer == name || source.trust_domain == name)) {
      return impl_->workload_keys[i]->refresh_count();
    }
  }
  return 0;
}

}  // namespace mandate::identity
