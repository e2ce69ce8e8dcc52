#include "crypto/sha256.h"

#include <stdexcept>

#include <openssl/evp.h>

namespace mandate::crypto {

struct Sha256::Context {
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
    void operator()(EVP_MD* m) const { EVP_MD_free(m); }
  };
  std::unique_ptr<EVP_MD, Free> md{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
  std::unique_ptr<EVP_MD_CTX, Free> ctx{EVP_MD_CTX_new()};

  void init() {
    if (!md || !ctx || EVP_DigestInit_ex2(ctx.get(), md.get(), nullptr) != 1) {
      throw std::runtime_error("OpenSSL SHA-256 is unavailable");
    }
  }
};

Sha256::Sha256() : ctx_(std::make_unique<Context>()) { ctx_->init(); }
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

Sha256& Sha256::update(std::span<const std::uint8_t> data) {
  EVP_DigestUpdate(ctx_->ctx.get(), data.data(), data.size());
  return *this;
}

Hash Sha256::finish() {
  Hash out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->ctx.get(), out.data(), &len);
  ctx_->init();
  return out;
}

Hash sha256(std::span<const std::uint8_t> data) {
  Hash out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

}  // namespace mandate::crypto
