#pragma once
// Strict JSON in and canonical JSON out. Every byte that mandate hashes or
// signs goes through canonicalize(), so one value has exactly one encoding.
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace mandate::encoding {

// Parses untrusted text as I-JSON (RFC 7493): well-formed UTF-8, no duplicate
// member names, nesting at most `max_depth`. The error names line, column and
// reason.
std::expected<nlohmann::json, std::string> parse_json_strict(std::string_view text,
                                                             int max_depth = 64);

// The string at a JSON pointer (RFC 6901, e.g. "/refs/task") in JSON text,
// without building the value: for readers that need one member of many
// entries. Nothing when the text is not JSON or holds no string there.
std::optional<std::string> string_at_pointer(std::string_view text, std::string_view pointer);

// RFC 8785 JSON Canonicalization Scheme: members sorted by UTF-16 code units,
// ECMAScript number form, minimal string escapes, no whitespace. Fails for
// values JCS cannot represent (NaN, integers a double cannot hold exactly
// or whose ECMAScript form names another integer, invalid UTF-8).
std::expected<std::string, std::string> canonicalize(const nlohmann::json& value);

// canonicalize(value) appended to `out`; on failure `out` may hold part of it.
std::expected<void, std::string> append_canonical(std::string& out, const nlohmann::json& value);

// A JSON string as RFC 8785 writes it, appended to `out`; false (and nothing
// appended) when `text` is not well-formed UTF-8.
bool append_canonical_string(std::string& out, std::string_view text);

// Whether member name `a` sorts before `b` in RFC 8785 (by UTF-16 code units).
bool canonical_name_order(std::string_view a, std::string_view b);

// The ECMAScript Number.prototype.toString form of a finite double.
std::string format_es_number(double value);

// Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates, or code
// points above U+10FFFF.
bool valid_utf8(std::string_view text);

}  // namespace mandate::encoding
