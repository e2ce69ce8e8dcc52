#pragma once
#include <cstdint>
#include <vector>

namespace mandate::crypto {

// Cryptographically secure random bytes (OpenSSL's DRBG).
std::vector<std::uint8_t> random_bytes(std::size_t count);

}  // namespace mandate::crypto
