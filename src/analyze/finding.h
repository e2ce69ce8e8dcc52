#pragma once
// A finding: a detected risk, the events that show it, and where it sits in
// the frameworks of ../shared/frameworks/catalogue.json.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace mandate::analyze {

enum class Severity { low, medium, high, critical };
std::string_view to_string(Severity severity);

struct FrameworkRef {
  std::string_view framework;  // "owasp-nhi-2025", "nist-csf-2.0", "nist-ai-rmf-1.0", "mitre-attack"
  std::string_view item;       // "NHI9", "PR.AA-05", "MEASURE 2.8", "T1562.008"
};

// What a rule is, independent of any one finding.
struct RuleInfo {
  std::string_view id;
  std::string_view title;
  Severity severity;
  std::string_view remediation;
  std::span<const FrameworkRef> mappings;
};

std::span<const RuleInfo> all_rules();
const RuleInfo& rule(std::string_view id);  // throws for an unknown id: a programming error

struct Finding {
  const RuleInfo* rule = nullptr;
  std::string subject;      // the identity or credential the finding is about
  std::string explanation;  // plain words, with the numbers that triggered it
  std::vector<std::string> evidence;  // event ids, at most the evidence limit
  // The same events as their sources name them ("cloudtrail:<eventID>"),
  // to go back to the source's own logs; "" where a source names none.
  std::vector<std::string> evidence_source_ids;
  // The people the delegation chain behind the evidence reaches (the actor
  // itself when a person acted); empty when the logs reach nobody.
  std::vector<std::string> behind;
  std::size_t evidence_count = 0;     // how many events show it in all
  core::Timestamp first_seen{};
  core::Timestamp last_seen{};
};

}  // namespace mandate::analyze
