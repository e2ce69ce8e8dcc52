#pragma once
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "ingest/importer.h"

namespace mandate::testing {

inline std::string sample(const std::string& relative) {
  return std::string(MANDATE_SHARED_DIR) + "/samples/" + relative;
}

// A log kept beside the tests, under tests/ingest/logs/.
inline std::string test_log(const std::string& relative) {
  return std::string(MANDATE_SOURCE_DIR) + "/tests/ingest/logs/" + relative;
}

// The event its source names `id`, or an exception that says which is missing.
inline const core::AuditEvent& by_source_id(const std::vector<core::AuditEvent>& events, const std::string& id) {
  const auto it = std::find_if(events.begin(), events.end(), [&](const core::AuditEvent& e) { return e.source_id == id; });
  if (it == events.end()) throw std::runtime_error("no event with source id " + id);
  return *it;
}

inline const core::AuditEvent& by_source_id(const ingest::ParsedInput& parsed, const std::string& id) {
  return by_source_id(parsed.events, id);
}

inline ingest::ParsedInput parse_file(ingest::SourceKind kind, const std::string& path) {
  return ingest::parse_source(kind, ingest::read_source(path), path);
}

inline ingest::ParsedInput parse_text(ingest::SourceKind kind, const std::string& text, const std::string& name = "t") {
  return ingest::parse_source(kind, ingest::SourceText(text), name);
}

}  // namespace mandate::testing
