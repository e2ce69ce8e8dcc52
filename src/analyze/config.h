#pragma once
// The analyzer's settings: thresholds, and what the logs cannot say about
// identities (which IAM user is really a program, who owns a machine
// identity, which owners have left). Read from <home>/analyze.toml; every
// setting is optional and its default is documented here and in
// docs/log-analysis.md. Owners come from this file, or for mandate's
// registered actors from the ledger (read by `mandate ingest ledger`).
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/audit_event.h"

namespace mandate::analyze {

struct Thresholds {
  int reuse_max_systems = 1;            // distinct (source, account) pairs one machine identity may act in
  int reuse_max_source_addresses = 3;   // distinct source addresses
  int reuse_max_user_agents = 3;        // distinct programs (user agents)
  int long_lived_days = 90;             // a key or token in use longer than this was never rotated
  int stale_days = 90;                  // a machine identity unused this long is stale
  int probing_denied = 5;               // denied decisions by one machine identity …
  int probing_window_minutes = 60;      // … within this window
  int break_glass_review_hours = 24;    // a break-glass use needs a review within this time
  int evidence_limit = 20;              // event ids listed per finding (the count is always complete)
};

struct IdentityNote {
  std::optional<core::PrincipalKind> kind;  // overrides what the log suggests
  std::string owner;                        // the accountable human
};

struct AnalyzeConfig {
  Thresholds thresholds;
  std::map<std::string, IdentityNote> identities;  // by actor id
  std::set<std::string> offboarded;                // humans who have left
};

std::expected<AnalyzeConfig, std::string> parse_analyze_config(std::string_view text, std::string_view source);

}  // namespace mandate::analyze
