#pragma once
// Private to the core module: the build defines MANDATE_INSIDE_CORE only for src/core/ and tests/core/.
#ifndef MANDATE_INSIDE_CORE
#error "this header is internal to the core module; include a public core/ header instead"
#endif
// Shared machinery behind every enum's to_string/parse pair, so each enum's
// spelling lives in exactly one table and the two directions cannot drift.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace mandate::core::detail {

template <class Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

template <class Enum, std::size_t N>
constexpr std::string_view name_of(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  // Reached only through a cast of an out-of-range integer; a fixed word keeps
  // to_string total without echoing the raw value into logs.
  return "unknown";
}

// False only for a value forced out of range by a cast, e.g. an integer read
// from storage; validators use it so such a value is refused, not stored.
template <class Enum, std::size_t N>
constexpr bool is_named(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& entry : table) {
    if (entry.first == value) return true;
  }
  return false;
}

// Exact, case-sensitive: the spelling written to the ledger is the only one
// accepted back, so one value never has two recorded forms.
template <class Enum, std::size_t N>
constexpr std::optional<Enum> value_of(const NameTable<Enum, N>& table,
                                       std::string_view name) {
  for (const auto& [candidate, spelling] : table) {
    if (spelling == name) return candidate;
  }
  return std::nullopt;
}

}  // namespace mandate::core::detail
