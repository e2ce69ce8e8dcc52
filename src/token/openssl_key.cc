#include "token/internal/openssl_key.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "crypto/ed25519.h"
#include "crypto/openssl_bio.h"
#include "token/internal/jwk_members.h"
#include "core/error.h"

namespace mandate::token::detail {
namespace {

using crypto::Bio;
using crypto::drain;
using crypto::memory_bio;
using crypto::PkeyCtx;
using crypto::SecretBignum;

constexpr std::size_t kCoordinateSize = 32;

bool is_p256(EVP_PKEY* pkey) {
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1) return false;
  const std::string_view group(name, len);
  return group == "prime256v1" || group == "P-256" || group == "secp256r1";
}

Coordinate bn_param(EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) fail(ErrorKind::internal, "cannot read an EC key coordinate");
  SecretBignum bn(raw);
  Coordinate out{};
  if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(out.size())) != static_cast<int>(out.size())) {
    fail(ErrorKind::internal, "EC key coordinate does not fit 32 bytes");
  }
  return out;
}

Coordinate ed25519_raw(EVP_PKEY* pkey) {
  Coordinate x{};
  std::size_t len = x.size();
  if (EVP_PKEY_get_raw_public_key(pkey, x.data(), &len) != 1 || len != x.size()) {
    fail(ErrorKind::internal, "cannot read an Ed25519 public key");
  }
  return x;
}

std::string p256_jwk(EVP_PKEY* pkey) {
  return canonical_public_jwk(Algorithm::ES256, bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X),
                              bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y));
}

// EVP_PKEY_fromdata for a P-256 key from its uncompressed point (and `d`).
std::expected<Pkey, std::string> p256_from_data(std::span<const std::uint8_t> x, std::span<const std::uint8_t> y,
                                                const BIGNUM* d) {
  if (x.size() != kCoordinateSize || y.size() != kCoordinateSize) {
    return std::unexpected("a P-256 coordinate is 32 bytes");
  }
  std::array<std::uint8_t, 1 + 2 * kCoordinateSize> point{};
  point[0] = 0x04;  // SEC 1 uncompressed form
  std::memcpy(point.data() + 1, x.data(), kCoordinateSize);
  std::memcpy(point.data() + 1 + kCoordinateSize, y.data(), kCoordinateSize);

  crypto::ParamBld build(OSSL_PARAM_BLD_new());
  if (!build || OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1 ||
      (d != nullptr && OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_PRIV_KEY, d) != 1)) {
    fail(ErrorKind::internal, "cannot build P-256 key parameters");
  }
  crypto::Params params(OSSL_PARAM_BLD_to_param(build.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, d != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return std::unexpected("the coordinates are not a point on P-256");
  }
  Pkey pkey(raw);
  // fromdata already refuses most bad points; the explicit check makes "on
  // the curve and not the identity" independent of that. The quick check
  // skips the order test (a scalar multiplication as costly as verifying a
  // signature), which P-256 does not need: its cofactor is 1, so every
  // point on the curve but the identity has the group's prime order.
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check_quick(check.get()) != 1) {
    return std::unexpected("the coordinates are not a point on P-256");
  }
  if (d != nullptr && EVP_PKEY_pairwise_check(check.get()) != 1) {
    return std::unexpected("the private key \"d\" does not belong to the public key (x, y)");
  }
  return pkey;
}

}  // namespace

std::expected<Algorithm, std::string> algorithm_of(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_ED25519:
      return Algorithm::EdDSA;
    case EVP_PKEY_EC:
      if (is_p256(pkey)) return Algorithm::ES256;
      return std::unexpected("the EC key is not on curve P-256; only P-256 (ES256) is accepted");
    default:
      return std::unexpected("the key is neither Ed25519 nor P-256; mandate accepts only these");
  }
}

bool usable_ed25519(std::span<const std::uint8_t> x) {
  crypto::Ed25519PublicKey key{};
  if (x.size() != key.size()) return false;
  std::copy(x.begin(), x.end(), key.begin());
  return crypto::ed25519_public_key_is_valid(key);
}

std::shared_ptr<const KeyState> make_key_state(Pkey pkey, Algorithm algorithm) {
  const Coordinate raw = algorithm == Algorithm::EdDSA ? ed25519_raw(pkey.get()) : Coordinate{};
  std::string jwk = algorithm == Algorithm::EdDSA ? canonical_public_jwk(Algorithm::EdDSA, raw, {}) : p256_jwk(pkey.get());
  std::string thumbprint = jwk_thumbprint(jwk);
  return std::make_shared<const KeyState>(KeyState{std::move(pkey), algorithm, std::move(jwk), std::move(thumbprint), raw});
}

std::expected<Pkey, std::string> ed25519_public(std::span<const std::uint8_t> x) {
  if (x.size() != kCoordinateSize) return std::unexpected("an Ed25519 public key is 32 bytes");
  if (!usable_ed25519(x)) return std::unexpected(kUnusableEd25519);
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, x.data(), x.size()));
  if (!pkey) return std::unexpected("not a valid Ed25519 public key");
  return pkey;
}

std::expected<Pkey, std::string> ed25519_private(std::span<const std::uint8_t> d) {
  if (d.size() != kCoordinateSize) return std::unexpected("an Ed25519 private key is 32 bytes");
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, d.data(), d.size()));
  if (!pkey) return std::unexpected("not a valid Ed25519 private key");
  return pkey;
}

std::expected<Pkey, std::string> p256_public(std::span<const std::uint8_t> x, std::span<const std::uint8_t> y) {
  return p256_from_data(x, y, nullptr);
}

std::expected<Pkey, std::string> p256_private(std::span<const std::uint8_t> x, std::span<const std::uint8_t> y,
                                              std::span<const std::uint8_t> d) {
  if (d.size() != kCoordinateSize) return std::unexpected("a P-256 private key is 32 bytes");
  SecretBignum bn(BN_bin2bn(d.data(), static_cast<int>(d.size()), nullptr));
  if (!bn) fail(ErrorKind::internal, "cannot allocate a big number");
  return p256_from_data(x, y, bn.get());
}

Pkey generate_pkey(Algorithm algorithm) {
  EVP_PKEY* raw = algorithm == Algorithm::EdDSA ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                                : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (raw == nullptr) fail(ErrorKind::internal, "key generation failed");
  return Pkey(raw);
}

std::expected<Pkey, std::string> read_public_pem(std::string_view pem) {
  Bio bio = memory_bio(pem);
  Pkey pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return std::unexpected("not a PEM public key (SubjectPublicKeyInfo)");
  return pkey;
}

std::expected<Pkey, std::string> read_private_pem(std::string_view pem) {
  Bio bio = memory_bio(pem);
  // Refuse encrypted keys instead of letting OpenSSL prompt on the terminal.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) -> int { return -1; };
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) return std::unexpected("not an unencrypted PEM private key");
  return pkey;
}

std::string write_public_pem(EVP_PKEY* pkey) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) fail(ErrorKind::internal, "cannot encode a public key");
  return drain(bio.get());
}

std::string write_private_pem(EVP_PKEY* pkey) {
  Bio bio(BIO_new(BIO_s_mem()));
  // PEM_write_bio_PrivateKey writes PKCS#8 ("PRIVATE KEY") in OpenSSL 3.
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail(ErrorKind::internal, "cannot encode a private key");
  }
  return drain(bio.get());
}

}  // namespace mandate::token::detail
