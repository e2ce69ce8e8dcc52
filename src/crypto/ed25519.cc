#include "crypto/ed25519.h"

#include <mutex>
#include <stdexcept>
#include <vector>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "crypto/openssl_bio.h"
#include "crypto/openssl_ptr.h"
#include "core/error.h"

namespace mandate::crypto {
namespace {

Pkey public_pkey(const Ed25519PublicKey& key) {
  return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
}

Ed25519PublicKey raw_public(EVP_PKEY* pkey) {
  Ed25519PublicKey out{};
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey, out.data(), &len) != 1 || len != out.size()) {
    fail(ErrorKind::internal, "cannot read Ed25519 public key");
  }
  return out;
}

}  // namespace

struct Ed25519PrivateKey::Handle {
  explicit Handle(Pkey key) : pkey(std::move(key)) {}
  Pkey pkey;
  // Signing contexts kept between signatures: a new context makes OpenSSL
  // fetch the algorithm again (a token's issue went from 44.0 to 42.5 µs in
  // bench_token without it).
  std::mutex idle_mu;
  std::vector<MdCtx> idle;
  static constexpr std::size_t kMaxIdle = 16;
};

Ed25519PrivateKey::Ed25519PrivateKey(std::unique_ptr<Handle> handle)
    : handle_(std::move(handle)), public_key_(raw_public(handle_->pkey.get())) {}
Ed25519PrivateKey::~Ed25519PrivateKey() = default;
Ed25519PrivateKey::Ed25519PrivateKey(Ed25519PrivateKey&&) noexcept = default;
Ed25519PrivateKey& Ed25519PrivateKey::operator=(Ed25519PrivateKey&&) noexcept = default;

Ed25519PrivateKey Ed25519PrivateKey::generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (raw == nullptr) fail(ErrorKind::internal, "Ed25519 key generation failed");
  return Ed25519PrivateKey(std::make_unique<Handle>(Pkey(raw)));
}

std::expected<Ed25519PrivateKey, std::string> Ed25519PrivateKey::from_seed(
    std::span<const std::uint8_t> seed32) {
  if (seed32.size() != 32) return std::unexpected("an Ed25519 seed is 32 bytes");
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed32.data(), seed32.size()));
  if (!pkey) return std::unexpected("not a valid Ed25519 seed");
  return Ed25519PrivateKey(std::make_unique<Handle>(std::move(pkey)));
}

std::expected<Ed25519PrivateKey, std::string> Ed25519PrivateKey::from_pem(std::string_view pem) {
  Bio bio = memory_bio(pem);
  // Refuse encrypted keys instead of letting OpenSSL prompt on the terminal.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) -> int { return -1; };
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) return std::unexpected("not a PEM private key");
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) return std::unexpected("the PEM key is not an Ed25519 key");
  return Ed25519PrivateKey(std::make_unique<Handle>(std::move(pkey)));
}

std::string Ed25519PrivateKey::to_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), handle_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail(ErrorKind::internal, "cannot encode Ed25519 private key");
  }
  return drain(bio.get());
}

Ed25519Signature Ed25519PrivateKey::sign(std::span<const std::uint8_t> message) const {
  MdCtx ctx;
  {
    std::lock_guard lock(handle_->idle_mu);
    if (!handle_->idle.empty()) {
      ctx = std::move(handle_->idle.back());
      handle_->idle.pop_back();
    }
  }
  if (!ctx) ctx.reset(EVP_MD_CTX_new());
  Ed25519Signature sig{};
  std::size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, handle_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 || len != sig.size()) {
    fail(ErrorKind::internal, "Ed25519 signing failed");
  }
  std::lock_guard lock(handle_->idle_mu);
  if (handle_->idle.size() < Handle::kMaxIdle) handle_->idle.push_back(std::move(ctx));
  return sig;
}

// libsodium verifies 2.3 times as fast as OpenSSL 3.0 here (docs/BENCHMARKS.md),
// and refuses a superset of what OpenSSL refuses: besides S >= L (RFC 8032
// §5.1.7), a non-canonical or small-order key or R, which no key made from a
// seed has. sodium_init is idempotent and thread-safe; it runs once here.
bool ed25519_verify(const Ed25519PublicKey& key, std::span<const std::uint8_t> message,
                    std::span<const std::uint8_t> signature) {
  if (signature.size() != crypto_sign_BYTES) return false;
  static const bool sodium_ready = sodium_init() >= 0;
  if (!sodium_ready) fail(ErrorKind::internal, "libsodium could not be initialised");
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), key.data()) == 0;
}

bool ed25519_public_key_is_valid(const Ed25519PublicKey& key) {
  return crypto_core_ed25519_is_valid_point(key.data()) == 1;
}

std::string ed25519_public_key_to_pem(const Ed25519PublicKey& key) {
  Pkey pkey = public_pkey(key);
  Bio bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) {
    fail(ErrorKind::internal, "cannot encode Ed25519 public key");
  }
  return drain(bio.get());
}

std::expected<Ed25519PublicKey, std::string> ed25519_public_key_from_pem(std::string_view pem) {
  Bio bio = memory_bio(pem);
  Pkey pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return std::unexpected("not a PEM public key");
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) return std::unexpected("the PEM key is not an Ed25519 key");
  return raw_public(pkey.get());
}

}  // namespace mandate::crypto
