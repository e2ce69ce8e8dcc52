#pragma once
// The mandate credential: a JWT access token in the RFC 9068 profile
// (header typ "at+jwt", alg "EdDSA", kid = the keyring key's RFC 7638
// thumbprint). The claims are listed in src/token/README.md.
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mandate.h"
#include "core/scope.h"
#include "core/time.h"
#include "token/public_key.h"

namespace mandate::keys {
class SigningKey;
}

namespace mandate::token {

struct MandateClaims {
  std::string issuer;    // "iss"
  std::string audience;  // "aud"
  std::string subject;   // "sub": the executor
  std::string jti;       // "jti": the mandate id
  // "iat", "nbf", "exp": NumericDate seconds on the wire; truncated to whole
  // seconds when issued, so what verification returns is what was issued.
  core::Timestamp issued_at{}, not_before{}, expires_at{};
  // Initiator first, then each delegating executor. On the wire as nested
  // RFC 8693 "act" claims, most recent actor outermost.
  std::vector<std::string> on_behalf_of;
  core::Scope scope;               // "authorization_details" (RFC 9396)
  core::KeyBinding key_binding;    // "cnf": {"jkt": …} or {"x5t#S256": …}
  std::string task_id;             // "task_id"
  std::string approval_hash;       // "approval_hash": hex SHA-256; empty (and absent) only for break-glass
  std::optional<std::string> parent_jti;  // "parent_jti": set exactly when depth > 0
  std::uint32_t depth = 0;         // "depth"
  std::uint32_t max_uses = 1;      // "max_uses"
  bool break_glass = false;        // "break_glass"
  std::string client_id;           // "client_id" (RFC 9068): the executor id

  friend bool operator==(const MandateClaims&, const MandateClaims&) = default;
};

// The delegation record the claims describe (ids, chain, scope, validity,
// uses, binding, parent), for core's issuance and attenuation checks.
core::Mandate to_mandate(const MandateClaims& claims);

// Every field well-formed and consistent: what core::validate_mandate
// demands, plus issuer, audience and client_id as ids, approval_hash as 64
// lower-case hex digits (or empty for break-glass), and issued_at not after
// expires_at. Messages never echo a value.
std::expected<void, std::string> validate_claims(const MandateClaims& claims);

// Signs the claims with the keyring key. Throws mandate::Error(bad_input)
// when validate_claims refuses them: a malformed token is never made.
std::string issue_mandate_token(const MandateClaims& claims, const keys::SigningKey& key);

// The checks verify_mandate_token runs, in this order.
enum class TokenCheck { format, algorithm, type, key_id, signature, issuer, audience, time, claims };
std::string_view to_string(TokenCheck check);

// `reason` is safe to print and to record: it never contains the token nor a
// value read from it.
struct TokenRejection {
  TokenCheck check;
  std::string reason;
};

using KeyLookup = std::function<std::optional<PublicKey>(std::string_view kid)>;

struct VerifyOptions {
  std::string issuer, audience;
  core::Timestamp now{};
  std::chrono::seconds skew{30};  // tolerated clock difference for nbf, exp and iat
};

// Accepts only alg EdDSA, typ at+jwt (or application/at+jwt), a kid that
// `lookup` resolves to an Ed25519 key, a valid signature, the expected iss
// and aud (a string, or an array holding it), nbf - skew <= now < exp + skew
// and iat <= now + skew, and claims that validate_claims accepts.
std::expected<MandateClaims, TokenRejection> verify_mandate_token(std::string_view token, const KeyLookup& lookup,
                                                                  const VerifyOptions& options);

// Lower-case hex SHA-256 of the token text: what the ledger stores instead
// of the token (invariant 5).
std::string token_hash(std::string_view token);

}  // namespace mandate::token
