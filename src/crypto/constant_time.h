#pragma once
#include <string_view>

namespace mandate::crypto {

// Whether two secrets are equal, in time that depends on their lengths only
// (CRYPTO_memcmp), so a caller guessing one learns nothing from how long a
// wrong guess took to refuse.
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace mandate::crypto
