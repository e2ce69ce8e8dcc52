#include "token/mandate_token.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/ids.h"
#include "crypto/sha256.h"
#include "encoding/hex.h"
#include "keys/signing_key.h"
#include "token/internal/claims_wire.h"
#include "token/jws.h"

namespace mandate::token {
namespace {

using Refusal = std::unexpected<std::string>;

bool is_hex_sha256(std::string_view text) {
  return text.size() == 64 &&
         std::ranges::all_of(text, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::expected<void, std::string> check_named_id(const char* name, std::string_view id) {
  if (auto ok = core::check_id(id); !ok) return Refusal(std::string(name) + " " + ok.error());
  return {};
}

// The header is the same for every token of one key; built by hand because
// its members are fixed ASCII and the kid is a base64url thumbprint.
std::string header_json(const keys::SigningKey& key) {
  return R"({"alg":"EdDSA","kid":")" + key.kid() + R"(","typ":"at+jwt"})";
}

}  // namespace

core::Mandate to_mandate(const MandateClaims& claims) {
  return core::Mandate{claims.jti,        claims.task_id,    claims.executor, claims.on_behalf_of,
                       claims.scope,      claims.audience,   claims.not_before, claims.expires_at,
                       claims.max_uses,   claims.key_binding, claims.parent_jti, claims.depth};
}

std::expected<void, std::string> validate_claims(const MandateClaims& claims) {
  if (auto ok = core::validate_mandate(to_mandate(claims)); !ok) return ok;
  if (auto ok = check_named_id("issuer", claims.issuer); !ok) return ok;
  if (claims.audience.size() > detail::kMaxAudiences) return Refusal("audience has more than 16 entries");
  if (claims.on_behalf_of.size() > detail::kMaxActChain) {
    return Refusal("on_behalf_of has more than 16 entries");
  }
  if (claims.approval_hash.empty()) {
    if (!claims.break_glass) return Refusal("approval_hash is empty, which only a break-glass mandate may be");
  } else if (!is_hex_sha256(claims.approval_hash)) {
    return Refusal("approval_hash is not a lower-case hex SHA-256 digest");
  }
  if (claims.issued_at > claims.expires_at) return Refusal("issued_at is after expires_at");
  // Whole seconds on the wire: a lifetime shorter than that would vanish.
  if (detail::to_numeric_date(claims.not_before) >= detail::to_numeric_date(claims.expires_at)) {
    return Refusal("not_before and expires_at fall in the same second");
  }
  return {};
}

std::string issue_mandate_token(const MandateClaims& claims, const keys::SigningKey& key) {
  if (auto ok = validate_claims(claims); !ok) fail(ErrorKind::bad_input, "cannot issue a mandate token: " + ok.error());
  return sign_compact(header_json(key), detail::claims_to_payload(claims), [&](std::string_view input) {
    const auto signature = key.sign(input);
    return std::string(signature.begin(), signature.end());
  });
}

std::string_view to_string(TokenCheck check) {
  static constexpr std::array<std::string_view, 9> kNames{
      "format", "algorithm", "type", "key_id", "signature", "issuer", "audience", "time", "claims"};
  return kNames.at(static_cast<std::size_t>(check));
}

std::string token_hash(std::string_view token) { return encoding::hex_encode(crypto::sha256(token)); }

}  // namespace mandate::token
