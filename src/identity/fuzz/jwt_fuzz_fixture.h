#pragma once
// The fixed keys, claims and expectations jwt_fuzz verifies against, shared
// with jwt_seeds, which mints the seed tokens and proofs with them (so the
// seeds pass every check, and mutations start from tokens that verify).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/ed25519.h"
#include "keys/signing_key.h"
#include "token/mandate_token.h"
#include "token/private_key.h"
#include "token/public_key.h"

namespace mandate::identity::fuzz {

inline constexpr const char* kIssuer = "https://mandate.fuzz.example";
inline constexpr const char* kAudience = "https://deploy.fuzz.example";
// The proof's htm and htu in the action profile, and in the http profile.
inline constexpr std::string_view kAction = "deploy";
inline constexpr std::string_view kResource = "https://k8s.fuzz.example/ns/shop";
inline constexpr std::string_view kMethod = "POST";
inline constexpr std::string_view kUri = "https://deploy.fuzz.example/v1/releases";

// 2026-11-28T20:00:00Z
inline core::Timestamp fuzz_now() { return core::Timestamp{std::chrono::seconds{1795896000}}; }

// RFC 8037 A.1 (Ed25519) and RFC 7515 A.3 (P-256): the executors' keys.
inline constexpr const char* kExecutorJwk =
    R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
inline constexpr const char* kExecutorEsJwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";

inline crypto::Ed25519PrivateKey broker_key() {
  std::uint8_t seed[32];
  for (std::uint8_t i = 0; i < 32; ++i) seed[i] = static_cast<std::uint8_t>(0x5a ^ i);
  return *crypto::Ed25519PrivateKey::from_seed(seed);
}

inline token::MandateClaims sample_claims(const token::PublicKey& executor) {
  token::MandateClaims c;
  c.issuer = kIssuer;
  c.audience = {kAudience};
  c.executor = "spiffe://fuzz.example/ci/deployer";
  c.jti = "m-7f3c2a1e";
  c.issued_at = fuzz_now() - std::chrono::minutes(1);
  c.not_before = c.issued_at;
  c.expires_at = fuzz_now() + std::chrono::minutes(14);
  c.on_behalf_of = {"alice@fuzz.example"};
  c.scope = {core::AuthorizationDetail{"deployment", {"deploy", "rollback"}, {}, {std::string(kResource)},
                                       R"({"environment":"prod"})"}};
  c.key_binding = core::KeyBinding{core::KeyBindingKind::jkt, executor.thumbprint()};
  c.task_id = "t-42";
  c.approval_hash = std::string(64, 'a');
  return c;
}

struct Fixture {
  keys::SigningKey broker{broker_key()};
  token::PrivateKey executor = *token::PrivateKey::parse(kExecutorJwk);
  token::PrivateKey executor_es = *token::PrivateKey::parse(kExecutorEsJwk);
  // Ed25519 signatures are deterministic: the same token on every run.
  std::string mandate_token = token::issue_mandate_token(sample_claims(executor.public_key()), broker);
};

inline const Fixture& fixture() {
  static const Fixture f;
  return f;
}

}  // namespace mandate::identity::fuzz
