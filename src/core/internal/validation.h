#pragma once
// Private to the core module: the build defines MANDATE_INSIDE_CORE only for src/core/ and tests/core/.
#ifndef MANDATE_INSIDE_CORE
#error "this header is internal to the core module; include a public core/ header instead"
#endif
// Helpers shared by the validate_* functions: one way to build a refusal, and
// one way to say which field it concerns, so every message reads alike.

#include <expected>
#include <string>
#include <string_view>

namespace mandate::core::detail {

inline std::expected<void, std::string> refuse(std::string_view message) {
  return std::unexpected(std::string(message));
}

inline std::expected<void, std::string> about(std::string_view field,
                                              const std::expected<void, std::string>& result) {
  if (result) return result;
  return std::unexpected(std::string(field) + " " + result.error());
}

}  // namespace mandate::core::detail
