#pragma once
// Ed25519 (RFC 8032): keys and signatures through OpenSSL 3, verification
// through libsodium (faster; see ed25519_verify).
#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace mandate::crypto {

using Ed25519PublicKey = std::array<std::uint8_t, 32>;
using Ed25519Signature = std::array<std::uint8_t, 64>;

class Ed25519PrivateKey {
 public:
  static Ed25519PrivateKey generate();
  static std::expected<Ed25519PrivateKey, std::string> from_seed(std::span<const std::uint8_t> seed32);
  // PKCS#8 "PRIVATE KEY" PEM, as `openssl genpkey -algorithm ed25519` writes it.
  static std::expected<Ed25519PrivateKey, std::string> from_pem(std::string_view pem);

  ~Ed25519PrivateKey();
  Ed25519PrivateKey(Ed25519PrivateKey&&) noexcept;
  Ed25519PrivateKey& operator=(Ed25519PrivateKey&&) noexcept;
  Ed25519PrivateKey(const Ed25519PrivateKey&) = delete;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = delete;

  std::string to_pem() const;
  const Ed25519PublicKey& public_key() const { return public_key_; }
  Ed25519Signature sign(std::span<const std::uint8_t> message) const;
  Ed25519Signature sign(std::string_view message) const {
    return sign({reinterpret_cast<const std::uint8_t*>(message.data()), message.size()});
  }

 private:
  struct Handle;
  explicit Ed25519PrivateKey(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
  Ed25519PublicKey public_key_{};
};

bool ed25519_verify(const Ed25519PublicKey& key, std::span<const std::uint8_t> message,
                    std::span<const std::uint8_t> signature);
inline bool ed25519_verify(const Ed25519PublicKey& key, std::string_view message,
                           std::span<const std::uint8_t> signature) {
  return ed25519_verify(key, {reinterpret_cast<const std::uint8_t*>(message.data()), message.size()},
                        signature);
}

// Whether `key` can be anyone's public key: a canonical encoding of a point
// of the prime-order subgroup, not of small order. Every key made from a
// seed (RFC 8032 §5.1.5) is; ed25519_verify refuses every signature under
// one that is not, so a registration should refuse it up front.
bool ed25519_public_key_is_valid(const Ed25519PublicKey& key);

// SubjectPublicKeyInfo "PUBLIC KEY" PEM.
std::string ed25519_public_key_to_pem(const Ed25519PublicKey& key);
std::expected<Ed25519PublicKey, std::string> ed25519_public_key_from_pem(std::string_view pem);

}  // namespace mandate::crypto
