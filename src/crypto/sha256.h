#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include <openssl/sha.h>

namespace mandate::crypto {

using Hash = std::array<std::uint8_t, 32>;

// Incremental SHA-256. Built on OpenSSL's SHA256_CTX rather than EVP: the
// ledger hashes millions of 65-byte tree nodes, and EVP's per-context
// allocation and algorithm fetch cost more than the hashing itself there.
// The state lives inline, so a Sha256 is cheap to create and to copy.
class Sha256 {
 public:
  Sha256();
  Sha256& update(std::span<const std::uint8_t> data);
  Sha256& update(std::string_view data) {
    return update({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
  }
  Sha256& update(std::uint8_t byte) { return update(std::span<const std::uint8_t>(&byte, 1)); }
  // Returns the digest and starts over, ready for the next message.
  Hash finish();

 private:
  SHA256_CTX ctx_;
};

Hash sha256(std::span<const std::uint8_t> data);
inline Hash sha256(std::string_view data) {
  return sha256({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
}

}  // namespace mandate::crypto
