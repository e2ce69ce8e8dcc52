#pragma once
// OCSF output (Open Cybersecurity Schema Framework, schema version 1.3.0):
// normalized events as API Activity (class 6003), findings as Detection
// Finding (class 2004). What the schema has no attribute for (the
// delegation chain, risk signals, framework mappings) goes under
// `unmapped.mandate`, where OCSF puts source data it does not model.
#include <string_view>

#include <nlohmann/json.hpp>

#include "analyze/finding.h"
#include "core/audit_event.h"

namespace mandate::exporting {

inline constexpr std::string_view kOcsfVersion = "1.3.0";
inline constexpr int kApiActivityClass = 6003;
inline constexpr int kDetectionFindingClass = 2004;

nlohmann::json ocsf_api_activity(const core::AuditEvent& event);
// `generated` is when the analysis ran: OCSF's `time` of a finding is its
// creation, the events' span goes to first/last_seen_time.
nlohmann::json ocsf_detection_finding(const analyze::Finding& finding, core::Timestamp generated);

}  // namespace mandate::exporting
