#include "broker/rules_file.h"

#include <set>

#include "broker/records.h"
#include "core/error.h"
#include "settings/strict_toml.h"

namespace mandate::broker {
namespace {

class RuleReader {
 public:
  RuleReader(const toml::table& table, std::string_view source) : table_(table), source_(source) {}

  [[noreturn]] void refuse(const toml::node& node, const std::string& why) const {
    fail(ErrorKind::bad_input, settings::place(source_, node) + ": " + why);
  }

  void only(const std::set<std::string>& keys) const {
    if (auto unknown = settings::unknown_key(table_, keys, source_, "unknown rule setting ")) {
      fail(ErrorKind::bad_input, *unknown);
    }
  }

  const toml::node* get(std::string_view key) const { return table_.get(key); }

  std::string string(std::string_view key, bool required) const {
    const toml::node* node = get(key);
    if (node == nullptr) {
      if (required) refuse(table_, "rule needs " + std::string(key));
      return {};
    }
    auto value = settings::string_value(*node);
    if (!value) refuse(*node, std::string(key) + " must be a string");
    return *value;
  }

  std::vector<std::string> strings(std::string_view key) const {
    const toml::node* node = get(key);
    if (node == nullptr) return {};
    const toml::array* array = node->as_array();
    if (array == nullptr) refuse(*node, std::string(key) + " must be an array of strings");
    std::vector<std::string> out;
    for (const toml::node& e : *array) {
      auto value = settings::string_value(e);
      if (!value) refuse(e, std::string(key) + " must be an array of strings");
      out.push_back(*value);
    }
    return out;
  }

  std::uint32_t count(std::string_view key, std::uint32_t fallback) const {
    const toml::node* node = get(key);
    if (node == nullptr) return fallback;
    if (!settings::integer_value(*node)) refuse(*node, std::string(key) + " must be an integer");
    const auto v = settings::integer_in(*node, 1, 1000000);
    if (!v) refuse(*node, std::string(key) + " must be between 1 and 1000000");
    return static_cast<std::uint32_t>(*v);
  }

  std::chrono::seconds duration(std::string_view key, std::optional<std::chrono::seconds> fallback) const {
    const toml::node* node = get(key);
    if (node == nullptr) {
      if (!fallback) refuse(table_, "rule needs " + std::string(key));
      return *fallback;
    }
    const auto text = settings::string_value(*node);
    if (!text) refuse(*node, std::string(key) + " must be a duration string such as \"15m\"");
    auto d = parse_duration(*text);
    if (!d) refuse(*node, std::string(key) + " is not a duration (use s, m, h, d, e.g. \"1h30m\")");
    return *d;
  }

  bool flag(std::string_view key) const {
    const toml::node* node = get(key);
    if (node == nullptr) return false;
    const auto value = settings::bool_value(*node);
    if (!value) refuse(*node, std::string(key) + " must be true or false");
    return *value;
  }

 private:
  const toml::table& table_;
  std::string_view source_;
};

core::ApprovalRule read_rule(const toml::table& table, std::string_view source) {
  RuleReader r(table, source);
  r.only({"id", "detail_types", "approvals", "approver_groups", "max_task_duration", "max_mandate_lifetime",
          "max_uses", "break_glass", "review_within"});
  core::ApprovalRule rule;
  rule.id = r.string("id", true);
  rule.detail_types = r.strings("detail_types");
  rule.required_approvals = r.count("approvals", 1);
  rule.approver_groups = r.strings("approver_groups");
  rule.max_duration = r.duration("max_task_duration", std::nullopt);
  rule.max_mandate_lifetime = r.duration("max_mandate_lifetime", std::chrono::minutes(15));
  rule.max_uses = r.count("max_uses", 1);
  rule.break_glass_allowed = r.flag("break_glass");
  rule.review_within = r.duration("review_within", std::chrono::hours(24));
  if (auto ok = core::validate_rule(rule); !ok) r.refuse(table, "rule " + rule.id + ": " + ok.error());
  return rule;
}

}  // namespace

std::vector<core::ApprovalRule> parse_rules_file(std::string_view text, std::string_view source) {
  auto parsed = settings::parse(text, source);
  if (!parsed) fail(ErrorKind::bad_input, parsed.error());
  const toml::table& root = *parsed;
  for (const auto& [key, node] : root) {
    if (key.str() != "rule") {
      fail(ErrorKind::bad_input, std::string(source) + ":" + std::to_string(node.source().begin.line) +
                                     ": unknown table " + std::string(key.str()) + " (rules are [[rule]] tables)");
    }
  }
  const toml::array* rules = root["rule"].as_array();
  if (rules == nullptr) fail(ErrorKind::bad_input, std::string(source) + ": no [[rule]] tables");
  std::vector<core::ApprovalRule> out;
  std::set<std::string> ids;
  for (const toml::node& node : *rules) {
    const toml::table* table = node.as_table();
    if (table == nullptr) fail(ErrorKind::bad_input, std::string(source) + ": rule must be a [[rule]] table");
    core::ApprovalRule rule = read_rule(*table, source);
    if (!ids.insert(rule.id).second) RuleReader(*table, source).refuse(*table, "rule id " + rule.id + " repeats");
    out.push_back(std::move(rule));
  }
  return out;
}

core::ApprovalRule default_rule() {
  core::ApprovalRule rule;
  rule.id = "default";
  rule.required_approvals = 1;
  rule.max_duration = std::chrono::hours(1);
  rule.max_mandate_lifetime = std::chrono::minutes(15);
  rule.max_uses = 1;
  return rule;
}

}  // namespace mandate::broker
