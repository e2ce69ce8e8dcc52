#pragma once
// Private to the token module: the build defines MANDATE_INSIDE_TOKEN only for src/token/ and tests/token/.
#ifndef MANDATE_INSIDE_TOKEN
#error "this header is internal to the token module; include a public token/ header instead"
#endif
// core::Scope as RFC 9396 `authorization_details` JSON: an array of objects
// with "type" and the optional common fields "actions", "locations" and
// "resources" (arrays of strings). Every other member of a detail is kept in
// AuthorizationDetail::extra as one RFC 8785 canonical JSON object, and
// merged back in when writing, so a round trip changes nothing but spelling.
// Absent and empty lists mean the same (nothing granted along that
// dimension); lists are written only when non-empty.
#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/scope.h"

namespace mandate::token {

namespace detail {
class JsonWriter;
}

// Refuses a non-array, a detail that is not an object, a missing or
// non-string "type", a common field that is not an array of strings, and
// whatever core::validate_scope refuses. Messages name the detail by index.
std::expected<core::Scope, std::string> scope_from_json(const nlohmann::json& details);
std::expected<core::Scope, std::string> scope_from_json_text(std::string_view text);

// Refuses an `extra` that is not a JSON object or that repeats one of the
// common members.
std::expected<nlohmann::json, std::string> scope_to_json(const core::Scope& scope);

namespace detail {
// scope_to_json's output written as text (the issuing hot path).
std::expected<void, std::string> write_scope(JsonWriter& out, const core::Scope& scope);
}  // namespace detail

}  // namespace mandate::token
