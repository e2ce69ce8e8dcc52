#include "policy/internal/validator_types.h"

#include <cctype>

namespace mandate::policy::vtypes {
namespace {

using Kind = VType::Kind;

bool attrs_equal(const std::map<std::string, VType::Attr>& a, const std::map<std::string, VType::Attr>& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.required != ib->second.required || !(*ia->second.type == *ib->second.type))
      return false;
  }
  return true;
}

// Every attribute of `b` is in `a` with a subtype (and, strictly, the same
// requiredness).
bool attrs_subtype(const VType& a, const VType& b, bool strict) {
  for (const auto& [name, battr] : b.attrs) {
    const auto it = a.attrs.find(name);
    if (it == a.attrs.end()) return false;
    const bool qualifier = strict ? it->second.required == battr.required : it->second.required || !battr.required;
    if (!qualifier || !is_subtype(*it->second.type, *battr.type, strict)) return false;
  }
  return true;
}

bool same_keys(const VType& a, const VType& b) {
  if (a.attrs.size() != b.attrs.size()) return false;
  for (auto ia = a.attrs.begin(), ib = b.attrs.begin(); ia != a.attrs.end(); ++ia, ++ib) {
    if (ia->first != ib->first) return false;
  }
  return true;
}

// Strict record lub: the same attributes, each with a lub and the same
// requiredness.
std::optional<std::map<std::string, VType::Attr>> attrs_lub(const VType& a, const VType& b) {
  if (!same_keys(a, b)) return std::nullopt;
  std::map<std::string, VType::Attr> out;
  for (const auto& [name, aattr] : a.attrs) {
    const auto& battr = b.attrs.at(name);
    auto lub = least_upper_bound(*aattr.type, *battr.type);
    if (!lub || aattr.required != battr.required) return std::nullopt;
    out[name] = {std::make_shared<const VType>(std::move(*lub)), aattr.required};
  }
  return out;
}

std::string quote_attr(const std::string& name) {
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return "\"" + name + "\"";
  }
  return name;
}

}  // namespace

VType simple(Kind kind, std::string name) {
  VType t;
  t.kind = kind;
  t.name = std::move(name);
  return t;
}

VType boolean(bool value) { return simple(value ? Kind::True : Kind::False); }

VType set_of(VType element) {
  VType t = simple(Kind::Set);
  t.element = std::make_shared<const VType>(std::move(element));
  return t;
}

VType any_set() { return simple(Kind::Set); }

VType any_record() {
  VType t = simple(Kind::Record);
  t.open = true;
  return t;
}

VType from_schema(const SchemaType& type) {
  switch (type.kind) {
    case SchemaType::Kind::Bool:
      return simple(Kind::Bool);
    case SchemaType::Kind::Long:
      return simple(Kind::Long);
    case SchemaType::Kind::String:
      return simple(Kind::String);
    case SchemaType::Kind::Entity:
      return simple(Kind::Entity, type.name);
    case SchemaType::Kind::Extension:
      return simple(Kind::Extension, type.name);
    case SchemaType::Kind::Set:
      return set_of(from_schema(type.element.front()));
    case SchemaType::Kind::RecordType: {
      VType t = simple(Kind::Record);
      t.open = type.open;
      for (const auto& [name, field] : type.fields) {
        t.attrs[name] = {std::make_shared<const VType>(from_schema(field)), field.required};
      }
      return t;
    }
  }
  return simple(Kind::Never);
}

bool operator==(const VType& a, const VType& b) {
  if (a.kind != b.kind || a.name != b.name || a.open != b.open) return false;
  if (static_cast<bool>(a.element) != static_cast<bool>(b.element)) return false;
  if (a.element && !(*a.element == *b.element)) return false;
  return attrs_equal(a.attrs, b.attrs);
}

bool is_boolean(const VType& t) { return t.kind == Kind::True || t.kind == Kind::False || t.kind == Kind::Bool; }
bool is_entity_like(const VType& t) { return t.kind == Kind::Entity || t.kind == Kind::Action; }

bool is_subtype(const VType& a, const VType& b, bool strict) {
  if (a.kind == Kind::Never) return true;
  switch (b.kind) {
    case Kind::Bool:
      return is_boolean(a);
    case Kind::True:
    case Kind::False:
    case Kind::Long:
    case Kind::String:
    case Kind::Never:
      return a.kind == b.kind;
    case Kind::Set:
      if (a.kind != Kind::Set) return false;
      if (!b.element) return true;
      return a.element && is_subtype(*a.element, *b.element, strict);
    case Kind::Record:
      if (a.kind != Kind::Record || (a.open && !b.open)) return false;
      return (b.open && !strict && attrs_subtype(a, b, strict)) || (same_keys(a, b) && attrs_subtype(a, b, strict));
    case Kind::Entity:
    case Kind::Action:
    case Kind::Extension:
      return a.kind == b.kind && a.name == b.name;
    case Kind::AnyEntity:
      return a.kind == Kind::AnyEntity || (!strict && is_entity_like(a));
  }
  return false;
}

std::optional<VType> least_upper_bound(const VType& a, const VType& b) {
  if (is_subtype(a, b, true)) return b;
  if (is_subtype(b, a, true)) return a;
  if (is_boolean(a) && is_boolean(b)) return simple(Kind::Bool);
  if (a.kind == Kind::Set && b.kind == Kind::Set) {
    if (!a.element || !b.element) return any_set();
    auto element = least_upper_bound(*a.element, *b.element);
    if (!element) return std::nullopt;
    return set_of(std::move(*element));
  }
  if (a.kind == Kind::Record && b.kind == Kind::Record) {
    auto attrs = attrs_lub(a, b);
    if (!attrs) return std::nullopt;
    VType t = simple(Kind::Record);
    t.attrs = std::move(*attrs);
    t.open = a.open || b.open;  // the keys are the same, so nothing was dropped
    return t;
  }
  // Different entity types, actions of different types, or entity and
  // record: no least upper bound in strict mode.
  return std::nullopt;
}

bool are_disjoint(const VType& a, const VType& b) { return is_entity_like(a) && is_entity_like(b) && a.name != b.name; }

std::string to_string(const VType& t) {
  switch (t.kind) {
    case Kind::Never:
      return "__cedar::internal::Never";
    case Kind::True:
      return "__cedar::internal::True";
    case Kind::False:
      return "__cedar::internal::False";
    case Kind::Bool:
      return "Bool";
    case Kind::Long:
      return "Long";
    case Kind::String:
      return "String";
    case Kind::Set:
      return t.element ? "Set<" + to_string(*t.element) + ">" : "Set";
    case Kind::Record: {
      std::string out = "{";
      for (const auto& [name, attr] : t.attrs) {
        out += quote_attr(name) + (attr.required ? "" : "?") + ": " + to_string(*attr.type) + ", ";
      }
      if (!t.attrs.empty()) out.resize(out.size() - 2);
      return out + "}";
    }
    case Kind::Entity:
    case Kind::Action:
    case Kind::Extension:
      return t.name;
    case Kind::AnyEntity:
      return "entity";
  }
  return "?";
}

}  // namespace mandate::policy::vtypes
