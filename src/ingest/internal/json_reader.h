#pragma once
// Private to the ingest module: the build defines MANDATE_INSIDE_INGEST only for src/ingest/ and tests/ingest/.
#ifndef MANDATE_INSIDE_INGEST
#error "this header is internal to the ingest module; include a public ingest/ header instead"
#endif
// Internal to ingest/: typed, non-throwing access to one parsed record.
// Includes simdjson, so only the importers' .cc files include it.
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace mandate::ingest {

// Reads fields by JSON pointer. A field that is absent or null reads as
// empty; a field of the wrong type is remembered as the record's first
// error, so a parser can refuse the whole record instead of storing half.
class JsonReader {
 public:
  explicit JsonReader(simdjson::dom::element root) : root_(root) {}

  simdjson::dom::element root() const { return root_; }
  std::optional<simdjson::dom::element> node(std::string_view pointer) const;
  std::string_view text(std::string_view pointer);
  // Strings and numbers as text ("123" for 123), as ids come in both forms.
  std::string scalar_text(std::string_view pointer);
  std::optional<std::int64_t> integer(std::string_view pointer);
  std::vector<std::string_view> texts(std::string_view pointer);  // an array of strings
  // A required RFC 3339 time (any offset, any fraction; kept to microseconds).
  std::optional<core::Timestamp> time(std::string_view pointer);
  // A time given as epoch milliseconds (GitHub's audit log).
  std::optional<core::Timestamp> epoch_millis(std::string_view pointer);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void refuse(std::string reason) {
    if (error_.empty()) error_ = std::move(reason);
  }

 private:
  void wrong_type(std::string_view pointer, std::string_view expected);
  // The top-level member a pointer starts with. Parsers read several fields
  // under one member (userIdentity/…, request/…): each is found once.
  std::optional<simdjson::dom::element> member(std::string_view name) const;

  // The name is copied: callers build some pointers in temporaries.
  struct Member {
    std::array<char, 24> name{};
    std::size_t size = 0;
    std::optional<simdjson::dom::element> value;
    std::string_view key() const { return {name.data(), size}; }
  };
  simdjson::dom::element root_;
  mutable std::array<Member, 8> members_{};
  mutable std::size_t member_count_ = 0;
  std::string error_;
};

// RFC 3339 as sources write it: 'T' or ' ', 1-9 fractional digits (kept to
// microseconds), 'Z' or a numeric offset.
std::optional<core::Timestamp> parse_source_time(std::string_view text);

// The record as minified JSON, with members named in `drop` left out at the
// top level and the string values of secret-bearing members replaced. The
// bytes are simdjson's minified form: an event's id is their hash, so they
// must not change from one version to the next (a re-import would no longer
// be recognised). One writer serves all records of an input, reusing its
// buffer.
class StoredFormWriter {
 public:
  std::string write(simdjson::dom::element record, std::initializer_list<std::string_view> drop = {});

 private:
  // simdjson's own minifier, reused rather than rebuilt per record.
  simdjson::internal::string_builder<> builder_;
};

std::string stored_form(simdjson::dom::element record, std::initializer_list<std::string_view> drop = {});

// At most `max` bytes of `text`, never ending inside a UTF-8 character:
// how a reason quotes a value (reasons are printed as JSON).
std::string_view utf8_prefix(std::string_view text, std::size_t max);

// "a/b/c" -> "a.b.c": how errors name a field.
std::string field_name(std::string_view pointer);

// Appends `text` as a JSON string: quotes, backslashes and control
// characters escaped, everything else (UTF-8 included) as it is.
void append_json_string(std::string& out, std::string_view text);

}  // namespace mandate::ingest
