#pragma once
// Shared by the token tests: a keyring-like issuer key, valid claims, and a
// lookup over a set of keys.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/time.h"
#include "crypto/ed25519.h"
#include "keys/signing_key.h"
#include "token/mandate_token.h"
#include "token/private_key.h"
#include "token/public_key.h"

namespace mandate::token::testing {

inline constexpr const char* kIssuer = "https://mandate.example.com";
inline constexpr const char* kAudience = "https://deploy.example.com";

// 2026-11-28T20:00:00Z
inline core::Timestamp test_now() { return core::Timestamp{std::chrono::seconds{1795896000}}; }

inline MandateClaims sample_claims(const PublicKey& executor_key) {
  MandateClaims c;
  c.issuer = kIssuer;
  c.audience = {kAudience};
  c.executor = "spiffe://example.com/ci/deployer";
  c.jti = "m-7f3c2a1e";
  c.issued_at = test_now();
  c.not_before = test_now();
  c.expires_at = test_now() + std::chrono::minutes(15);
  c.on_behalf_of = {"alice@example.com"};
  c.scope = {core::AuthorizationDetail{"deployment", {"deploy", "rollback"}, {}, {"https://k8s.example.com/ns/shop"},
                                       R"({"environment":"prod"})"}};
  c.key_binding = core::KeyBinding{core::KeyBindingKind::jkt, executor_key.thumbprint()};
  c.task_id = "t-42";
  c.approval_hash = std::string(64, 'a');
  return c;
}

// A KeyLookup over keys by their thumbprint, the way the broker builds one
// over the keyring.
inline KeyLookup lookup_of(std::vector<PublicKey> keys) {
  return [keys = std::move(keys)](std::string_view kid) -> std::optional<PublicKey> {
    for (const PublicKey& k : keys) {
      if (k.thumbprint() == kid) return k;
    }
    return std::nullopt;
  };
}

inline VerifyOptions options_at(core::Timestamp now) { return VerifyOptions{kIssuer, std::string(kAudience), now, std::chrono::seconds{30}}; }

}  // namespace mandate::token::testing
