#pragma once
// Private to the token module: the build defines MANDATE_INSIDE_TOKEN only for src/token/ and tests/token/.
#ifndef MANDATE_INSIDE_TOKEN
#error "this header is internal to the token module; include a public token/ header instead"
#endif
// Internal: compact JSON text written straight into a string, for the one
// hot path that emits JSON (issuing tokens). Strings are escaped as RFC 8259
// requires; they must already be valid UTF-8 (the claims are validated
// before anything is written).
#include <cstdint>
#include <string>
#include <string_view>

namespace mandate::token::detail {

class JsonWriter {
 public:
  void open_object() { open('{'); }
  void close_object() { close('}'); }
  void open_array() { open('['); }
  void close_array() { close(']'); }
  void key(std::string_view name);

  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(const std::string& text) { value(std::string_view(text)); }
  void value(bool flag);
  void value(std::int64_t number);
  void value(std::uint32_t number) { value(static_cast<std::int64_t>(number)); }
  // Already-serialised JSON, written as it is.
  void raw(std::string_view json);

  template <typename T>
  void member(std::string_view name, const T& v) {
    key(name);
    value(v);
  }

  std::string take() { return std::move(out_); }

 private:
  void separate();
  void open(char bracket);
  void close(char bracket);

  std::string out_;
  bool needs_comma_ = false;
};

}  // namespace mandate::token::detail
