#include "policy/value.h"

#include <algorithm>
#include <functional>

namespace mandate::policy {

bool is_action_type(std::string_view type) {
  return type == "Action" || (type.size() > 8 && type.ends_with("::Action"));
}

std::strong_ordering canonical_order(const Value& a, const Value& b) {
  if (a.data.index() != b.data.index()) return a.data.index() <=> b.data.index();
  return std::visit(
      [&b](const auto& x) -> std::strong_ordering {
        using T = std::decay_t<decltype(x)>;
        const auto& y = std::get<T>(b.data);
        if constexpr (std::is_same_v<T, SetPtr>) {
          return std::lexicographical_compare_three_way(x->begin(), x->end(), y->begin(), y->end(),
                                                        canonical_order);
        } else if constexpr (std::is_same_v<T, RecordPtr>) {
          return std::lexicographical_compare_three_way(x->begin(), x->end(), y->begin(), y->end(),
                                                        [](const auto& l, const auto& r) {
                                                          if (auto c = l.first <=> r.first; c != 0) return c;
                                                          return canonical_order(l.second, r.second);
                                                        });
        } else if constexpr (std::is_same_v<T, IpAddr> || std::is_same_v<T, Decimal> ||
                             std::is_same_v<T, EntityUid> || std::is_same_v<T, Datetime> ||
                             std::is_same_v<T, Duration>) {
          const auto c = x <=> y;
          return c < 0   ? std::strong_ordering::less
                 : c > 0 ? std::strong_ordering::greater
                         : std::strong_ordering::equal;
        } else {
          return x <=> y;
        }
      },
      a.data);
}

bool operator==(const Value& a, const Value& b) { return canonical_order(a, b) == 0; }

Value make_set(std::vector<Value> elements) {
  std::sort(elements.begin(), elements.end(),
            [](const Value& x, const Value& y) { return canonical_order(x, y) < 0; });
  elements.erase(std::unique(elements.begin(), elements.end()), elements.end());
  return Value{std::make_shared<const std::vector<Value>>(std::move(elements))};
}

Value make_record(Record fields) { return Value{std::make_shared<const Record>(std::move(fields))}; }

std::string type_name(const Value& v) {
  static constexpr const char* kNames[] = {"Bool",   "Long",    "String", "Entity",   "Set",
                                           "Record", "decimal", "ipaddr", "datetime", "duration"};
  return kNames[v.data.index()];
}

namespace {
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string to_string(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return quote(x);
        } else if constexpr (std::is_same_v<T, EntityUid>) {
          return x.type + "::" + quote(x.id);
        } else if constexpr (std::is_same_v<T, SetPtr>) {
          std::string out = "[";
          for (std::size_t i = 0; i < x->size(); ++i) out += (i ? ", " : "") + to_string((*x)[i]);
          return out + "]";
        } else if constexpr (std::is_same_v<T, RecordPtr>) {
          std::string out = "{";
          bool first = true;
          for (const auto& [key, val] : *x) {
            out += (first ? "" : ", ") + quote(key) + ": " + to_string(val);
            first = false;
          }
          return out + "}";
        } else if constexpr (std::is_same_v<T, Decimal>) {
          return "decimal(\"" + mandate::policy::to_string(x) + "\")";
        } else if constexpr (std::is_same_v<T, IpAddr>) {
          return "ip(\"" + mandate::policy::to_string(x) + "\")";
        } else {
          return mandate::policy::to_string(x);
        }
      },
      v.data);
}

}  // namespace mandate::policy
