#pragma once
// Cedar runtime values. Sets and records are shared immutably so that
// copying a value (attribute access, set literals) never deep-copies.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "policy/extensions.h"

namespace mandate::policy {

// Type names may be namespaced: `A::B::User` is stored as "A::B::User".
struct EntityUid {
  std::string type;
  std::string id;
  bool operator==(const EntityUid&) const = default;
  auto operator<=>(const EntityUid&) const = default;
};

// Hashing uids is most of what an indexed decision does (index buckets,
// ancestor sets, the entity store), and uids are short: a multiply-xorshift
// over 8-byte words, inline, costs a fraction of two std::hash<string> calls.
struct EntityUidHash {
  static std::uint64_t mix(std::uint64_t h, std::string_view bytes) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes.data() + i, 8);
      h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
      h ^= h >> 29;
    }
    std::uint64_t tail = 0;
    for (std::size_t shift = 0; i < bytes.size(); ++i, shift += 8) {
      tail |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << shift;
    }
    h = (h ^ tail ^ (static_cast<std::uint64_t>(bytes.size()) << 56)) * 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 31);
  }
  std::size_t operator()(const EntityUid& uid) const noexcept {
    return mix(mix(0x94d049bb133111ebULL, uid.type), uid.id);
  }
};

// Actions are the entities of type `Action` or `Namespace::Action`.
bool is_action_type(std::string_view type);

struct Value;
// Kept sorted and free of duplicates, so equality is element-wise.
using SetPtr = std::shared_ptr<const std::vector<Value>>;
using Record = std::map<std::string, Value>;
using RecordPtr = std::shared_ptr<const Record>;

struct Value {
  std::variant<bool, std::int64_t, std::string, EntityUid, SetPtr, RecordPtr, Decimal, IpAddr, Datetime,
               Duration>
      data;

  bool is_bool() const { return std::holds_alternative<bool>(data); }
  bool is_long() const { return std::holds_alternative<std::int64_t>(data); }
  bool is_string() const { return std::holds_alternative<std::string>(data); }
  bool is_entity() const { return std::holds_alternative<EntityUid>(data); }
  bool is_set() const { return std::holds_alternative<SetPtr>(data); }
  bool is_record() const { return std::holds_alternative<RecordPtr>(data); }
};

// Structural equality as Cedar's `==`: values of different types are unequal.
bool operator==(const Value& a, const Value& b);
// A total order used only to keep sets canonical; it has no Cedar meaning.
std::strong_ordering canonical_order(const Value& a, const Value& b);

Value make_set(std::vector<Value> elements);
Value make_record(Record fields);

// The Cedar type name used in error messages ("Long", "Set", ...).
std::string type_name(const Value& v);
// Cedar-like rendering, for messages and tests.
std::string to_string(const Value& v);

}  // namespace mandate::policy
