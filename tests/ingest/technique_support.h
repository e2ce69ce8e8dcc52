#pragma once
// Attack-technique tests: logs written in the sources' real formats, imported
// through the real importer into a real event store, then analyzed.
#include <string>
#include <vector>

#include "analyze/analyzer.h"
#include "ingest/importer.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/process.h"

namespace mandate::testing {

inline std::string technique_log(const std::string& relative) {
  return std::string(MANDATE_SOURCE_DIR) + "/tests/ingest/techniques/" + relative;
}

// Every finding of the analysis of these files, as imported from one source.
inline std::vector<analyze::Finding> technique_findings(ingest::SourceKind kind, const std::vector<std::string>& files) {
  TempDir dir;
  const std::string db = (dir / "m.db").string();
  auto base = store::create_sqlite_store(db);
  auto events = store::open_sqlite_event_store(db);
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(technique_log(f));
  const auto report = ingest::import_files(kind, paths, *events);
  for (const auto& f : report.files) EXPECT_EQ(f.malformed, 0u) << f.file;
  return analyze::analyze(*events, analyze::AnalyzeConfig{}, {}).findings;
}

// The findings of one rule.
inline std::vector<analyze::Finding> of_rule(const std::vector<analyze::Finding>& all, std::string_view rule) {
  std::vector<analyze::Finding> out;
  for (const auto& f : all) {
    if (f.rule->id == rule) out.push_back(f);
  }
  return out;
}

}  // namespace mandate::testing
