#include "analyze/config.h"

#include <array>

#include "settings/strict_toml.h"

namespace mandate::analyze {
namespace {

std::string at(std::string_view source, const toml::node& node) { return settings::place(source, node); }

struct IntSetting {
  std::string_view name;
  int Thresholds::*field;
  int min;
  int max;
};

constexpr std::array<IntSetting, 9> kIntSettings{{
    {"reuse_max_systems", &Thresholds::reuse_max_systems, 1, 1000},
    {"reuse_max_source_addresses", &Thresholds::reuse_max_source_addresses, 1, 1000000},
    {"reuse_max_user_agents", &Thresholds::reuse_max_user_agents, 1, 1000000},
    {"long_lived_days", &Thresholds::long_lived_days, 1, 36500},
    {"stale_days", &Thresholds::stale_days, 1, 36500},
    {"probing_denied", &Thresholds::probing_denied, 1, 1000000},
    {"probing_window_minutes", &Thresholds::probing_window_minutes, 1, 525600},
    {"break_glass_review_hours", &Thresholds::break_glass_review_hours, 1, 87600},
    {"evidence_limit", &Thresholds::evidence_limit, 1, 100000},
}};

std::expected<void, std::string> read_thresholds(const toml::table& table, std::string_view source, Thresholds& t) {
  for (const auto& [key, node] : table) {
    const IntSetting* setting = nullptr;
    for (const auto& s : kIntSettings) {
      if (s.name == key.str()) setting = &s;
    }
    if (setting == nullptr) return std::unexpected(at(source, node) + ": unknown setting thresholds." + std::string(key.str()));
    const auto value = settings::integer_in(node, setting->min, setting->max);
    if (!value) {
      return std::unexpected(at(source, node) + ": thresholds." + std::string(key.str()) + " must be an integer from " +
                             std::to_string(setting->min) + " to " + std::to_string(setting->max));
    }
    t.*(setting->field) = static_cast<int>(*value);
  }
  return {};
}

std::expected<void, std::string> read_identity(const toml::node& node, std::string_view source, AnalyzeConfig& c) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return std::unexpected(at(source, node) + ": each [[identity]] must be a table");
  std::string id;
  IdentityNote note;
  for (const auto& [key, value] : *table) {
    const auto text = settings::string_value(value);
    if (!text) return std::unexpected(at(source, value) + ": identity." + std::string(key.str()) + " must be a string");
    if (key == "id") {
      id = *text;
    } else if (key == "owner") {
      note.owner = *text;
    } else if (key == "kind") {
      note.kind = core::parse_principal_kind(*text);
      if (!note.kind) return std::unexpected(at(source, value) + ": identity.kind must be human, workload, agent, service or unknown");
    } else {
      return std::unexpected(at(source, value) + ": unknown setting identity." + std::string(key.str()));
    }
  }
  if (id.empty()) return std::unexpected(at(source, node) + ": an [[identity]] needs an id");
  c.identities[id] = note;
  return {};
}

}  // namespace

std::expected<AnalyzeConfig, std::string> parse_analyze_config(std::string_view text, std::string_view source) {
  auto parsed = settings::parse(text, source);
  if (!parsed) return std::unexpected(parsed.error());
  const toml::table& root = *parsed;
  AnalyzeConfig config;
  for (const auto& [key, node] : root) {
    if (key == "thresholds") {
      if (!node.is_table()) return std::unexpected(at(source, node) + ": thresholds must be a table");
      if (auto r = read_thresholds(*node.as_table(), source, config.thresholds); !r) return std::unexpected(r.error());
    } else if (key == "identity") {
      if (!node.is_array()) return std::unexpected(at(source, node) + ": identity must be an array of tables ([[identity]])");
      for (const auto& item : *node.as_array()) {
        if (auto r = read_identity(item, source, config); !r) return std::unexpected(r.error());
      }
    } else if (key == "offboarded") {
      const toml::array* list = node.as_array();
      if (list == nullptr) return std::unexpected(at(source, node) + ": offboarded must be an array of strings");
      for (const auto& item : *list) {
        const auto name = settings::string_value(item);
        if (!name) return std::unexpected(at(source, item) + ": offboarded must be an array of strings");
        config.offboarded.insert(*name);
      }
    } else {
      return std::unexpected(at(source, node) + ": unknown setting " + std::string(key.str()));
    }
  }
  return config;
}

}  // namespace mandate::analyze
