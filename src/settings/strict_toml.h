#pragma once
// The strict TOML reading shared by the config readers (home, server,
// identity, broker rules, analyze): every error names file:line:column, an
// unknown key is an error, and a value of the wrong type is never coerced.
// Include it from .cc files only: it brings toml++ with it.
#include <cstdint>
#include <expected>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace mandate::settings {

// "source:line:column" of a place in the file named `source`.
std::string place(std::string_view source, const toml::source_region& where);
std::string place(std::string_view source, const toml::node& node);
// "path:line:column" from the node's own source path ("line:column" when the
// document was parsed without one).
std::string place(const toml::source_region& where);
std::string place(const toml::node& node);

// The document, or "source:line:column: <what toml++ says>".
std::expected<toml::table, std::string> parse(std::string_view text, std::string_view source);

// The first key of `table` that is not in `allowed`, as
// "source:line:column: <prefix><key>", e.g. prefix "unknown setting tls.".
std::optional<std::string> unknown_key(const toml::table& table, const std::set<std::string>& allowed,
                                       std::string_view source, std::string_view prefix);
// "unknown setting " plus "section." when there is a section.
std::string unknown_setting_prefix(std::string_view section);

// Typed reads: the value when `node` holds that type, nothing otherwise
// (never coerced: an integer is not a string, a float not an integer).
std::optional<std::string> string_value(const toml::node& node);
std::optional<bool> bool_value(const toml::node& node);
std::optional<std::int64_t> integer_value(const toml::node& node);
// An integer in [min, max], nothing for anything else.
std::optional<std::int64_t> integer_in(const toml::node& node, std::int64_t min, std::int64_t max);

}  // namespace mandate::settings
