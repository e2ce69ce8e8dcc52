#pragma once
// RFC 8785 text written piece by piece, for hot paths whose shape is fixed
// (a decision entry's data): no JSON tree is built only to be encoded and
// thrown away. The bytes are those canonicalize() gives for the same value.
// What the writer cannot prove by construction it checks as it goes: member
// names in canonical order and unique, strings well-formed UTF-8, nesting
// closed. The first violation is kept and returned by take().
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mandate::encoding {

class CanonicalWriter {
 public:
  // `expected_size`: bytes to reserve, so a hot path grows its text once.
  explicit CanonicalWriter(std::size_t expected_size = 0) { out_.reserve(expected_size); }

  CanonicalWriter& begin_object();
  CanonicalWriter& end_object();
  CanonicalWriter& begin_array();
  CanonicalWriter& end_array();
  // The next member's name, inside an object: after the previous one in
  // RFC 8785 order (UTF-16 code units), or an error.
  CanonicalWriter& key(std::string_view name);
  CanonicalWriter& string(std::string_view text);
  CanonicalWriter& boolean(bool value);
  // A non-negative integer; beyond 2^53 an error (I-JSON numbers are doubles).
  CanonicalWriter& integer(std::uint64_t value);
  // Any JSON value, canonicalized as canonicalize() would.
  CanonicalWriter& value(const nlohmann::json& value);
  // Each text an array element (a list of policy ids, say).
  CanonicalWriter& strings(const std::vector<std::string>& texts);

  // The text, or the first violation (where and why).
  std::expected<std::string, std::string> take() &&;

 private:
  struct Level {
    bool object = false;
    bool empty = true;
    bool awaiting_value = false;  // an object's key written, its value not yet
    std::string last_key;
  };
  CanonicalWriter& open(bool object);
  CanonicalWriter& close(bool object);
  bool before_value();  // the comma and the checks a value needs; false when failed
  void fail(std::string why);

  std::string out_;
  std::vector<Level> levels_;
  bool done_ = false;  // one top-level value written
  std::string error_;
};

}  // namespace mandate::encoding
