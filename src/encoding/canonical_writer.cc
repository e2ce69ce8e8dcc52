#include "encoding/canonical_writer.h"

#include <nlohmann/json.hpp>

#include "encoding/json.h"

namespace mandate::encoding {

void CanonicalWriter::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
}

bool CanonicalWriter::before_value() {
  if (!error_.empty()) return false;
  if (levels_.empty()) {
    if (done_) {
      fail("a second top-level value");
      return false;
    }
    done_ = true;
    return true;
  }
  Level& level = levels_.back();
  if (level.object) {
    if (!level.awaiting_value) {
      fail("a value in an object without its member name");
      return false;
    }
    level.awaiting_value = false;
    return true;
  }
  if (!level.empty) out_ += ',';
  level.empty = false;
  return true;
}

CanonicalWriter& CanonicalWriter::open(bool object) {
  if (before_value()) {
    out_ += object ? '{' : '[';
    levels_.push_back({object, true, false, {}});
  }
  return *this;
}

CanonicalWriter& CanonicalWriter::close(bool object) {
  if (!error_.empty()) return *this;
  if (levels_.empty() || levels_.back().object != object || levels_.back().awaiting_value) {
    fail(object ? "end_object without an open object whose members are complete" : "end_array without an open array");
    return *this;
  }
  levels_.pop_back();
  out_ += object ? '}' : ']';
  return *this;
}

CanonicalWriter& CanonicalWriter::begin_object() { return open(true); }
CanonicalWriter& CanonicalWriter::end_object() { return close(true); }
CanonicalWriter& CanonicalWriter::begin_array() { return open(false); }
CanonicalWriter& CanonicalWriter::end_array() { return close(false); }

CanonicalWriter& CanonicalWriter::key(std::string_view name) {
  if (!error_.empty()) return *this;
  if (levels_.empty() || !levels_.back().object || levels_.back().awaiting_value) {
    fail("member name \"" + std::string(name) + "\" outside an object or in place of a value");
    return *this;
  }
  Level& level = levels_.back();
  if (!level.empty && !canonical_name_order(level.last_key, name)) {
    fail("member \"" + std::string(name) + "\" does not follow \"" + level.last_key + "\" in RFC 8785 order");
    return *this;
  }
  if (!level.empty) out_ += ',';
  if (!append_canonical_string(out_, name)) {
    fail("a member name is not valid UTF-8");
    return *this;
  }
  out_ += ':';
  level.empty = false;
  level.awaiting_value = true;
  level.last_key.assign(name);
  return *this;
}

CanonicalWriter& CanonicalWriter::string(std::string_view text) {
  if (before_value() && !append_canonical_string(out_, text)) fail("a string is not valid UTF-8");
  return *this;
}

CanonicalWriter& CanonicalWriter::boolean(bool value) {
  if (before_value()) out_ += value ? "true" : "false";
  return *this;
}

CanonicalWriter& CanonicalWriter::integer(std::uint64_t value) {
  if (!before_value()) return *this;
  if (value > (std::uint64_t{1} << 53)) {
    fail("integer " + std::to_string(value) + " cannot be represented exactly as an I-JSON number");
    return *this;
  }
  out_ += std::to_string(value);
  return *this;
}

CanonicalWriter& CanonicalWriter::value(const nlohmann::json& value) {
  if (!before_value()) return *this;
  if (auto r = append_canonical(out_, value); !r) fail(r.error());
  return *this;
}

CanonicalWriter& CanonicalWriter::strings(const std::vector<std::string>& texts) {
  begin_array();
  for (const auto& text : texts) string(text);
  return end_array();
}

std::expected<std::string, std::string> CanonicalWriter::take() && {
  if (error_.empty() && (!levels_.empty() || !done_)) fail("the value is not complete");
  if (!error_.empty()) return std::unexpected(std::move(error_));
  return std::move(out_);
}

}  // namespace mandate::encoding
