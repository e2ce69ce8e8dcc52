#include "token/private_key.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "encoding/json.h"
#include "token/internal/jwk_members.h"
#include "token/internal/openssl_key.h"
#include "core/error.h"

namespace mandate::token {
namespace detail {
struct PrivateKeyState {
  Pkey pkey;
  PublicKey public_key;
};
}  // namespace detail

namespace {

using Refusal = std::unexpected<std::string>;

// The public half as its own OpenSSL key, so a PublicKey never holds the
// secret.
PublicKey public_half(EVP_PKEY* pkey) {
  auto pem = PublicKey::from_pem(detail::write_public_pem(pkey));
  if (!pem) fail(ErrorKind::internal, "cannot derive the public key: " + pem.error());
  return std::move(*pem);
}

std::expected<detail::Pkey, std::string> from_jwk(std::string_view text) {
  // Errors from the strict parser name a position only, never the content.
  auto json = encoding::parse_json_strict(text, 8);
  if (!json) return Refusal("the private JWK is not valid JSON");
  auto members = detail::read_jwk(*json);
  if (!members) return Refusal(members.error());
  if (!members->d) return Refusal("the JWK has no private member \"d\"");
  if (members->algorithm == Algorithm::ES256) return detail::p256_private(members->x, members->y, *members->d);
  auto pkey = detail::ed25519_private(*members->d);
  if (!pkey) return pkey;
  crypto::Ed25519PublicKey stated{};
  std::copy(members->x.begin(), members->x.end(), stated.begin());
  // A stated x that is no usable key cannot be d's (and from_ed25519 takes
  // only usable ones).
  if (!detail::usable_ed25519(members->x) || public_half(pkey->get()) != PublicKey::from_ed25519(stated)) {
    return Refusal("the private key \"d\" does not belong to the public key \"x\"");
  }
  return pkey;
}

}  // namespace

PrivateKey::PrivateKey(std::unique_ptr<detail::PrivateKeyState> state) : state_(std::move(state)) {}
PrivateKey::~PrivateKey() = default;
PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;

PrivateKey PrivateKey::generate(Algorithm algorithm) {
  detail::Pkey pkey = detail::generate_pkey(algorithm);
  PublicKey pub = public_half(pkey.get());
  return PrivateKey(std::make_unique<detail::PrivateKeyState>(detail::PrivateKeyState{std::move(pkey), std::move(pub)}));
}

std::expected<PrivateKey, std::string> PrivateKey::parse(std::string_view pem_or_jwk) {
  const auto first = pem_or_jwk.find_first_not_of(" \t\r\n");
  const bool jwk = first != std::string_view::npos && pem_or_jwk[first] == '{';
  auto pkey = jwk ? from_jwk(pem_or_jwk) : detail::read_private_pem(pem_or_jwk);
  if (!pkey) return Refusal(pkey.error());
  if (auto algorithm = detail::algorithm_of(pkey->get()); !algorithm) return Refusal(algorithm.error());
  PublicKey pub = public_half(pkey->get());
  return PrivateKey(std::make_unique<detail::PrivateKeyState>(detail::PrivateKeyState{std::move(*pkey), std::move(pub)}));
}

std::string PrivateKey::to_pem() const { return detail::write_private_pem(state_->pkey.get()); }
const PublicKey& PrivateKey::public_key() const { return state_->public_key; }

std::string PrivateKey::sign(std::string_view signing_input) const {
  return detail::jose_sign(state_->pkey.get(), state_->public_key.algorithm(), signing_input);
}

}  // namespace mandate::token
