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

// The name of the one claim that holds mandate's own members (task id,
// approval hash, parent, depth, uses, break-glass). RFC 7519 §4.2 asks
// for collision-resistant names beyond the registered ones; a UUID URN
// (RFC 9562) is one without owning a domain, and one object claim keeps the
// members' names short and readable.
inline constexpr std::string_view kMandateClaim = "urn:uuid:5c115c81-040e-4cee-a45d-76139b356a10";

struct MandateClaims {
  std::string issuer;    // "iss"
  // "aud": the resource servers the mandate is for (RFC 8707 resource
  // indicators, or registered resource-server ids); one or more. On the
  // wire a string when there is one, else an array.
  std::vector<std::string> audience;
  // The executor: the outermost "act" (RFC 8693 §4.1: the party acting) and
  // "client_id" (RFC 9068). "sub" is the human on whose behalf it acts.
  std::string executor;
  std::string jti;       // "jti": the mandate id
  // "iat", "nbf", "exp": NumericDate seconds on the wire; truncated to whole
  // seconds when issued, so what verification returns is what was issued.
  core::Timestamp issued_at{}, not_before{}, expires_at{};
  // Initiator first ("sub"), then each executor that delegated further. On
  // the wire the earlier executors nest inside "act" below the executor,
  // most recent outermost.
  std::vector<std::string> on_behalf_of;
  core::Scope scope;               // "authorization_details" (RFC 9396)
  core::KeyBinding key_binding;    // "cnf": {"jkt": …} or {"x5t#S256": …}
  // Members of the kMandateClaim object:
  std::string task_id;             // "task_id"
  std::string approval_hash;       // "approval_hash": hex SHA-256; empty (and absent) only for break-glass
  std::optional<std::string> parent_jti;  // "parent_jti": set exactly when depth > 0
  std::uint32_t depth = 0;         // "depth"
  std::uint32_t max_uses = 1;      // "max_uses"
  bool break_glass = false;        // "break_glass"

  friend bool operator==(const MandateClaims&, const MandateClaims&) = default;
};

// The delegation record the claims describe (ids, chain, scope, validity,
// uses, binding, parent), for core's issuance and attenuation checks.
core::Mandate to_mandate(const MandateClaims& claims);

// Every field well-formed and consistent: what core::validate_mandate
// demands, plus issuer and each audience as ids (one to 16 audiences, no
// duplicates), approval_hash as 64
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
  std::string issuer;
  // When set, "aud" must name it (a resource server verifying a token meant
  // for it). The broker leaves it unset and checks the audience of each
  // decision against claims.audience instead.
  std::optional<std::string> audience;
  core::Timestamp now{};
  std::chrono::seconds skew{30};  // tolerated clock difference for nbf, exp and iat
};

// Accepts only alg EdDSA, typ at+jwt (or application/at+jwt), a kid that
// `lookup` resolves to an Ed25519 key, a valid signature, the expected iss
// and, when asked, aud (a string, or an array holding it), nbf - skew <= now < exp + skew
// and iat <= now + skew, and claims that validate_claims accepts.
std::expected<MandateClaims, TokenRejection> verify_mandate_token(std::string_view token, const KeyLookup& lookup,
                                                                  const VerifyOptions& options);

// Lower-case hex SHA-256 of the token text: what the ledger stores instead
// of the token (invariant 5).
std::string token_hash(std::string_view token);

}  // namespace mandate::token
