#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mandate::encoding {

// Lowercase hexadecimal.
std::string hex_encode(std::span<const std::uint8_t> data);
std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view text);

}  // namespace mandate::encoding
