#pragma once
// Findings and the normalized events as JSON: what `mandate analyze
// --format json` and `mandate events` print, and what GET /v1/findings
// answers, in one spelling.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "analyze/config.h"
#include "analyze/finding.h"
#include "core/audit_event.h"

namespace mandate::analyze {

nlohmann::json to_json(const Finding& finding);
nlohmann::json to_json(const core::AuditEvent& event);

// The analyzer's settings of a home: `file` when it exists, else the
// defaults. Error{bad_input} naming the file when it cannot be read or
// parsed.
AnalyzeConfig read_config_if_present(const std::filesystem::path& file);
// `file`, which must exist.
AnalyzeConfig read_config(const std::filesystem::path& file);

}  // namespace mandate::analyze
