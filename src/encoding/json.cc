#include "encoding/json.h"
#include "encoding/internal/json_parsers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

namespace mandate::encoding {

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<std::size_t>(extra) >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

namespace {

using json = nlohmann::json;

// "line L, column C" of the byte before `offset`, counted as nlohmann counts:
// lines from 1, columns as bytes read on the current line.
std::string position_of(std::string_view text, std::size_t offset) {
  const std::string_view read = text.substr(0, std::min(offset, text.size()));
  const auto last_newline = read.rfind('\n');
  const std::size_t line = 1 + static_cast<std::size_t>(std::count(read.begin(), read.end(), '\n'));
  const std::size_t column = last_newline == std::string_view::npos ? read.size() : read.size() - last_newline - 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Feeds the text to nlohmann's parser and counts the bytes it has read, so
// that errors the builder raises itself can say where they are.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, std::size_t* consumed) : at_(at), consumed_(consumed) {}
  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    ++at_;
    ++*consumed_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return at_ == other.at_; }

 private:
  const char* at_;
  std::size_t* consumed_;
};

// Builds the DOM itself so that it can refuse duplicate member names, which
// nlohmann's parser would silently merge.
class StrictDomBuilder final : public nlohmann::json_sax<json> {
 public:
  StrictDomBuilder(std::string_view text, const std::size_t* consumed, int max_depth)
      : text_(text), consumed_(consumed), max_depth_(max_depth) {}

  bool null() override { return put(json(nullptr)); }
  bool boolean(bool v) override { return put(json(v)); }
  bool number_integer(number_integer_t v) override { return put(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return put(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return put(json(v)); }
  bool string(string_t& v) override { return put(json(std::move(v))); }
  bool binary(binary_t&) override { return fail("binary values are not JSON"); }

  bool start_object(std::size_t) override { return open(json::object()); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    if (stack_.back()->contains(k)) return fail("duplicate member name \"" + k + "\"");
    pending_key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    std::string what = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at " prefix;
    // keep "line L, column C: reason". Errors without a position of their
    // own (number overflow) get one from the byte count.
    if (auto at = what.find(" at line "); at != std::string::npos) {
      what = what.substr(at + 4);
    } else {
      if (what.starts_with("[json.exception.")) what = what.substr(what.find("] ") + 2);
      what = position_of(text_, position) + ": " + what;
    }
    error_ = what;
    return false;
  }

  const std::string& error() const { return error_; }
  json take() { return std::move(root_); }

 private:
  bool fail(const std::string& message) {
    error_ = position_of(text_, *consumed_) + ": " + message;
    return false;
  }

  json* insert(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    return &(parent[pending_key_] = std::move(value));
  }

  bool put(json value) {
    insert(std::move(value));
    return true;
  }

  bool open(json container) {
    if (static_cast<int>(stack_.size()) >= max_depth_) {
      return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
    }
    stack_.push_back(insert(std::move(container)));
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  std::string_view text_;
  const std::size_t* consumed_;
  int max_depth_;
  json root_;
  std::vector<json*> stack_;
  std::string pending_key_;
  std::string error_;
};

std::u16string to_utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp;
    std::size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xe0) == 0xc0) {
      cp = c & 0x1fu;
      len = 2;
    } else if ((c & 0xf0) == 0xe0) {
      cp = c & 0x0fu;
      len = 3;
    } else {
      cp = c & 0x07u;
      len = 4;
    }
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3fu);
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xd800 + (cp >> 10));
      out += static_cast<char16_t>(0xdc00 + (cp & 0x3ff));
    } else {
      out += static_cast<char16_t>(cp);
    }
    i += len;
  }
  return out;
}

void append_escaped(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

// Runs of characters that need no escape are copied at once: most strings
// are one such run.
void append_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.substr(run, i - run));
    append_escaped(out, c);
    run = i + 1;
  }
  out.append(s.substr(run));
  out += '"';
}

std::expected<void, std::string> append_value(std::string& out, const json& v);

std::expected<void, std::string> append_integer(std::string& out, const json& v) {
  // I-JSON numbers are doubles. An integer is accepted when the nearest
  // double prints (in ECMAScript form) as exactly the digits given: then
  // the text names that double and canonicalizes to itself, however often
  // it is parsed again. 2^53 + 1 or 2^60 (1152921504606846976, which prints
  // as 1152921504606847000) would silently become another number: refused.
  // Up to 2^53 every integer is a double, printed as its own digits.
  constexpr std::uint64_t kExact = std::uint64_t{1} << 53;
  const bool negative = v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0;
  const std::uint64_t magnitude = v.is_number_unsigned() ? v.get<std::uint64_t>()
                                  : negative             ? 0 - static_cast<std::uint64_t>(v.get<std::int64_t>())
                                                         : static_cast<std::uint64_t>(v.get<std::int64_t>());
  if (magnitude <= kExact) {
    char digits[24];
    char* end = v.is_number_unsigned() ? std::to_chars(digits, digits + sizeof digits, v.get<std::uint64_t>()).ptr
                                       : std::to_chars(digits, digits + sizeof digits, v.get<std::int64_t>()).ptr;
    out.append(digits, end);
    return {};
  }
  const double d = v.is_number_unsigned() ? static_cast<double>(v.get<std::uint64_t>())
                                          : static_cast<double>(v.get<std::int64_t>());
  const std::string text = format_es_number(d);
  if (text != v.dump()) {
    return std::unexpected("integer " + v.dump() + " cannot be represented exactly as an I-JSON number");
  }
  out += text;
  return {};
}

// UTF-8 byte order is code point order, which is UTF-16 code unit order
// (RFC 8785's) except between U+E000..U+FFFF (lead bytes 0xEE, 0xEF) and
// supplementary characters (0xF0..0xF4). Names without those bytes are
// already in order in nlohmann's std::map.
bool byte_order_is_utf16_order(const json::object_t& object) {
  for (const auto& member : object) {
    for (const char c : member.first) {
      if (static_cast<unsigned char>(c) >= 0xee) return false;
    }
  }
  return true;
}

std::expected<void, std::string> append_member(std::string& out, const json::object_t::value_type& member, bool first) {
  if (!first) out += ',';
  append_string(out, member.first);
  out += ':';
  return append_value(out, member.second);
}

std::expected<void, std::string> append_object(std::string& out, const json& v) {
  const auto& object = v.get_ref<const json::object_t&>();
  const bool sorted = byte_order_is_utf16_order(object);
  if (sorted) {  // nearly every object: written in the map's order, nothing to gather
    out += '{';
    bool first = true;
    for (const auto& member : object) {
      if (!valid_utf8(member.first)) return std::unexpected("member name is not valid UTF-8");
      if (auto r = append_member(out, member, first); !r) return r;
      first = false;
    }
    out += '}';
    return {};
  }
  std::vector<std::pair<std::u16string, const json::object_t::value_type*>> members;
  members.reserve(v.size());
  for (const auto& member : object) {
    if (!valid_utf8(member.first)) return std::unexpected("member name is not valid UTF-8");
    members.emplace_back(to_utf16(member.first), &member);
  }
  std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  bool first = true;
  for (const auto& [key16, member] : members) {
    if (auto r = append_member(out, *member, first); !r) return r;
    first = false;
  }
  out += '}';
  return {};
}

std::expected<void, std::string> append_value(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::null: out += "null"; return {};
    case json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; return {};
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return append_integer(out, v);
    case json::value_t::number_float: {
      const double d = v.get<double>();
      if (!std::isfinite(d)) return std::unexpected("NaN and infinities are not JSON numbers");
      out += format_es_number(d);
      return {};
    }
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (!valid_utf8(s)) return std::unexpected("string is not valid UTF-8");
      append_string(out, s);
      return {};
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ',';
        first = false;
        if (auto r = append_value(out, item); !r) return r;
      }
      out += ']';
      return {};
    }
    case json::value_t::object: return append_object(out, v);
    case json::value_t::binary:
    case json::value_t::discarded: break;
  }
  return std::unexpected("value has no JSON form");
}

// The fast path of parse_json_strict: simdjson validates and parses (several
// times faster than nlohmann's lexer), then the value is built as nlohmann
// would build it. Anything short of success (text simdjson refuses, a
// duplicate name, nesting too deep) returns nothing, and the text goes
// through nlohmann's strict parser, which accepts or refuses it exactly as
// before and says where and why.
class FastDomBuilder {
 public:
  explicit FastDomBuilder(int max_depth) : max_depth_(max_depth) {}

  bool build(simdjson::dom::element element, json& out, int depth = 0) {
    using simdjson::dom::element_type;
    switch (element.type()) {
      case element_type::OBJECT: {
        if (depth >= max_depth_) return false;
        out = json::object();
        auto& object = out.get_ref<json::object_t&>();
        for (const auto field : simdjson::dom::object(element)) {
          const auto [at, inserted] = object.try_emplace(std::string(field.key));
          if (!inserted || !build(field.value, at->second, depth + 1)) return false;
        }
        return true;
      }
      case element_type::ARRAY: {
        if (depth >= max_depth_) return false;
        out = json::array();
        auto& array = out.get_ref<json::array_t&>();
        for (const auto item : simdjson::dom::array(element)) {
          if (!build(item, array.emplace_back(), depth + 1)) return false;
        }
        return true;
      }
      case element_type::STRING: out = std::string(std::string_view(element)); return true;
      // nlohmann keeps integers without a sign as unsigned.
      case element_type::INT64: {
        const std::int64_t v = element.get_int64().value_unsafe();
        if (v >= 0) out = static_cast<std::uint64_t>(v);
        else out = v;
        return true;
      }
      case element_type::UINT64: out = element.get_uint64().value_unsafe(); return true;
      case element_type::DOUBLE: out = element.get_double().value_unsafe(); return true;
      case element_type::BOOL: out = element.get_bool().value_unsafe(); return true;
      case element_type::NULL_VALUE: out = nullptr; return true;
    }
    return false;
  }

 private:
  int max_depth_;
};

}  // namespace

std::optional<json> parse_json_fast(std::string_view text, int max_depth) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) return std::nullopt;
  json out;
  if (!FastDomBuilder(max_depth).build(root, out)) return std::nullopt;
  return out;
}

std::optional<std::string> string_at_pointer(std::string_view text, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) return std::nullopt;
  std::string_view found;
  if (root.at_pointer(pointer).get_string().get(found) != simdjson::SUCCESS) return std::nullopt;
  return std::string(found);
}

std::expected<json, std::string> parse_json_strict(std::string_view text, int max_depth) {
  if (auto fast = parse_json_fast(text, max_depth)) return std::move(*fast);
  return parse_json_with_positions(text, max_depth);
}

std::expected<json, std::string> parse_json_with_positions(std::string_view text, int max_depth) {
  // nlohmann's lexer takes a NUL byte for the end of input and would ignore
  // whatever follows it; JSON text never holds one (simdjson refuses it too).
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    return std::unexpected(position_of(text, nul + 1) + ": NUL byte in JSON text");
  }
  std::size_t consumed = 0;
  StrictDomBuilder builder(text, &consumed, max_depth);
  const bool ok = json::sax_parse(CountingIterator(text.data(), &consumed),
                                  CountingIterator(text.data() + text.size(), &consumed), &builder,
                                  json::input_format_t::json, true);
  if (!ok) return std::unexpected(builder.error().empty() ? std::string("malformed JSON") : builder.error());
  return builder.take();
}

std::string format_es_number(double value) {
  if (value == 0) return "0";  // also -0, as ECMAScript prints it
  std::string out;
  if (value < 0) {
    out += '-';
    value = -value;
  }
  // Shortest round-trip digits, then ECMAScript's placement rules
  // (ECMA-262 Number::toString, RFC 8785 §3.2.2.3).
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  const auto e_pos = sci.find('e');
  std::string digits;
  for (const char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::from_chars(sci.data() + e_pos + (sci[e_pos + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exponent);
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

std::expected<std::string, std::string> canonicalize(const json& value) {
  std::string out;
  if (auto r = append_value(out, value); !r) return std::unexpected(r.error());
  return out;
}

std::expected<void, std::string> append_canonical(std::string& out, const json& value) { return append_value(out, value); }

bool append_canonical_string(std::string& out, std::string_view text) {
  if (!valid_utf8(text)) return false;
  append_string(out, text);
  return true;
}

bool canonical_name_order(std::string_view a, std::string_view b) {
  // Byte order is UTF-16 order up to a first difference between two ASCII
  // bytes (or a name that is the other's prefix); anything else is
  // compared as UTF-16.
  const auto [in_a, in_b] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (in_a == a.end() || in_b == b.end()) return in_a == a.end() && in_b != b.end();
  if (static_cast<unsigned char>(*in_a) < 0x80 && static_cast<unsigned char>(*in_b) < 0x80) return *in_a < *in_b;
  return to_utf16(a) < to_utf16(b);
}

}  // namespace mandate::encoding
