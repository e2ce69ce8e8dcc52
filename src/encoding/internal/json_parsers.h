#pragma once
// Private to the encoding module: the build defines MANDATE_INSIDE_ENCODING only for src/encoding/ and tests/encoding/.
#ifndef MANDATE_INSIDE_ENCODING
#error "this header is internal to the encoding module; include encoding/json.h instead"
#endif
// The two parsers behind parse_json_strict, apart so that a test can hold
// one against the other: whatever the fast one accepts, the strict one must
// accept as the same value.
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mandate::encoding {

// simdjson's, building the value as nlohmann would; nothing when the text
// is refused, names a member twice or nests deeper than `max_depth`.
std::optional<nlohmann::json> parse_json_fast(std::string_view text, int max_depth);

// nlohmann's, strict (no duplicate names, at most `max_depth` levels), with
// where and why on failure.
std::expected<nlohmann::json, std::string> parse_json_with_positions(std::string_view text, int max_depth);

}  // namespace mandate::encoding
