#pragma once
// A private key of an executor (Ed25519 or P-256): it signs proofs of
// possession (`mandate token prove --key FILE`) and, in tests, stands in for
// other parties. Never logged; to_pem() is the only way its secret leaves.
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "token/public_key.h"

namespace mandate::token {

namespace detail {
struct PrivateKeyState;
}

// Move-only: the secret is held once.
class PrivateKey {
 public:
  static PrivateKey generate(Algorithm algorithm);
  // PKCS#8 "PRIVATE KEY" PEM (unencrypted), or a JWK with "d" whose public
  // members match the private key.
  static std::expected<PrivateKey, std::string> parse(std::string_view pem_or_jwk);

  ~PrivateKey();
  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;

  std::string to_pem() const;  // PKCS#8
  const PublicKey& public_key() const;
  Algorithm algorithm() const { return public_key().algorithm(); }
  // JOSE signature bytes (ES256: raw r||s).
  std::string sign(std::string_view signing_input) const;

 private:
  explicit PrivateKey(std::unique_ptr<detail::PrivateKeyState> state);
  std::unique_ptr<detail::PrivateKeyState> state_;
};

}  // namespace mandate::token
