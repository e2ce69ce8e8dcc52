// JSON text from an attacker (request bodies, JWS headers and payloads,
// JWKS documents, entity and policy uploads) through parse_json_strict, and
// what it accepts through canonicalize. Checked against nlohmann's own
// parser, which the strict parser is built on: it must accept exactly the
// texts nlohmann accepts that hold no NUL byte, no duplicate member name and
// no nesting deeper than the limit, and build the same value from them.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "encoding/json.h"

namespace {

using json = nlohmann::json;

// A violated invariant is a finding: abort so libFuzzer keeps the input.
void require(bool holds) {
  if (!holds) std::abort();
}

// What the contract depends on, measured without the strict parser: whether
// nlohmann reads the text at all, a member name repeated within one object,
// and the deepest nesting.
class Shape final : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    names_.emplace_back();
    return open();
  }
  bool end_object() override {
    names_.pop_back();
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (!names_.back().insert(k).second) duplicate = true;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

  bool duplicate = false;
  int max_depth = 0;

 private:
  bool open() {
    max_depth = std::max(max_depth, ++depth_);
    return true;
  }
  int depth_ = 0;
  std::vector<std::set<std::string>> names_;
};

// Whether canonicalize must succeed: JCS refuses non-finite numbers and
// integers beyond 2^53 that the nearest double would print as another
// integer; every other value of a strict parse has a canonical form.
bool surely_canonical(const json& v) {
  switch (v.type()) {
    case json::value_t::number_float: return std::isfinite(v.get<double>());
    case json::value_t::number_integer: {
      const auto i = v.get<std::int64_t>();
      return i >= -(std::int64_t{1} << 53) && i <= (std::int64_t{1} << 53);
    }
    case json::value_t::number_unsigned: return v.get<std::uint64_t>() <= (std::uint64_t{1} << 53);
    case json::value_t::array:
    case json::value_t::object:
      for (const auto& item : v) {
        if (!surely_canonical(item)) return false;
      }
      return true;
    default: return true;
  }
}

constexpr int kDepth = 64;      // parse_json_strict's default
constexpr int kShallow = 3;     // a second, small limit

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto strict = mandate::encoding::parse_json_strict(text, kDepth);

  Shape shape;
  const bool nlohmann_reads = json::sax_parse(text, &shape, json::input_format_t::json, true);
  const bool has_nul = text.find('\0') != std::string::npos;
  const bool contract = nlohmann_reads && !has_nul && !shape.duplicate && shape.max_depth <= kDepth;
  require(strict.has_value() == contract);

  if (!strict) {
    // Errors say where: "line L, column C: reason" (jws.cc keeps only that part).
    require(strict.error().starts_with("line ") && strict.error().find(": ") != std::string::npos);
    return 0;
  }
  // Accepted text is well-formed UTF-8 throughout (strings included), and the
  // value is what nlohmann builds from it.
  require(mandate::encoding::valid_utf8(text));
  require(*strict == json::parse(text));

  // The depth limit is the only difference a smaller limit makes.
  require(mandate::encoding::parse_json_strict(text, kShallow).has_value() == (shape.max_depth <= kShallow));

  // The canonical form: exists unless a number forbids it, parses strictly
  // back, and is its own canonical form (what is hashed or signed is stable).
  const auto canonical = mandate::encoding::canonicalize(*strict);
  if (surely_canonical(*strict)) require(canonical.has_value());
  if (!canonical) return 0;
  require(mandate::encoding::valid_utf8(*canonical));
  const auto again = mandate::encoding::parse_json_strict(*canonical, kDepth);
  require(again.has_value());
  const auto twice = mandate::encoding::canonicalize(*again);
  require(twice.has_value() && *twice == *canonical);
  return 0;
}
