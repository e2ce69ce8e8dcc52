#pragma once
// Base64 (RFC 4648 §4, padded) and base64url (§5, unpadded, as JOSE uses it).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mandate::encoding {

using Bytes = std::vector<std::uint8_t>;

std::string base64_encode(std::span<const std::uint8_t> data);
std::string base64url_encode(std::span<const std::uint8_t> data);
inline std::string base64_encode(std::string_view s) {
  return base64_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}
inline std::string base64url_encode(std::string_view s) {
  return base64url_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}

// Strict decoders: any character outside the alphabet, bad padding or
// non-zero trailing bits is rejected, so one value has exactly one encoding.
std::optional<Bytes> base64_decode(std::string_view text);
std::optional<Bytes> base64url_decode(std::string_view text);

}  // namespace mandate::encoding
