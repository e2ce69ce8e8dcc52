// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP but
// remain part of its API; see sha256.h for why they are used here.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/sha256.h"

namespace mandate::crypto {

Sha256::Sha256() { SHA256_Init(&ctx_); }

Sha256& Sha256::update(std::span<const std::uint8_t> data) {
  SHA256_Update(&ctx_, data.data(), data.size());
  return *this;
}

Hash Sha256::finish() {
  Hash out{};
  SHA256_Final(out.data(), &ctx_);
  SHA256_Init(&ctx_);
  return out;
}

Hash sha256(std::span<const std::uint8_t> data) {
  // Not OpenSSL's SHA256(): in OpenSSL 3 that one goes through an EVP fetch.
  return Sha256().update(data).finish();
}

}  // namespace mandate::crypto
