#pragma once
// Attack techniques: rules that fire on what a parser marked on an event (a
// signal such as "cloudtrail_stopped"), each mapped to MITRE ATT&CK beside
// the OWASP NHI / NIST CSF items, and each naming the people the chain
// behind the action reaches. The parsers read the source's own fields (the
// request parameters, the pod spec); the analyzer only counts and attributes.
#include <span>
#include <string_view>

#include "analyze/finding.h"

namespace mandate::analyze {

struct TechniqueRule {
  RuleInfo info;
  std::string_view signal;  // the event signal that shows the technique
  // Fires when one actor shows the signal at least min_count times within
  // window_minutes (bulk retrieval); 1 fires on every such event.
  int min_count = 1;
  int window_minutes = 0;
  std::string_view what;  // the action in plain words: "stopped CloudTrail logging"
};

std::span<const TechniqueRule> aws_techniques();
std::span<const TechniqueRule> kubernetes_techniques();

}  // namespace mandate::analyze
