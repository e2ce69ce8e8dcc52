#include "ingest/importer.h"

#include "core/error.h"
#include "ingest/detect_source.h"

namespace mandate::ingest {

namespace {

std::string source_names() {
  std::string names;
  for (const SourceKind k : all_source_kinds()) names += (names.empty() ? "" : ", ") + std::string(to_string(k));
  return names;
}

// Why `name` cannot be imported, if it cannot; its events otherwise.
std::optional<std::string> refusal_of(std::optional<SourceKind> wanted, const std::string& path,
                                      const std::string& name, ParsedInput& parsed) {
  SourceKind kind{};
  try {
    const SourceText text = read_source(path);
    const auto found = wanted ? wanted : detect_source(text, name);
    if (!found) return name + ": no source that mandate reads recognises its records (tried " + source_names() + ")";
    kind = *found;
    parsed = parse_source(kind, text, name);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::bad_input && e.kind() != ErrorKind::io) throw;
    return e.what();
  }
  if (parsed.report.events == 0 && parsed.report.malformed > 0) {
    const auto& first = parsed.report.malformed_examples.front();
    return first.where + ": " + first.reason + " (no record of " + name + " could be read as " +
           std::string(to_string(kind)) + ")";
  }
  return std::nullopt;
}

}  // namespace

ImportReport import_files(std::optional<SourceKind> kind, std::span<const std::string> paths,
                          store::EventStore& store, ImportMode mode) {
  if (paths.empty()) fail(ErrorKind::bad_input, "no file to import");
  ImportReport report;
  std::vector<core::AuditEvent> events;
  for (const std::string& path : paths) {
    const std::string name = path == "-" ? "<stdin>" : path;
    ParsedInput parsed;
    if (auto why = refusal_of(kind, path, name, parsed)) {
      if (mode == ImportMode::all_or_nothing) fail(ErrorKind::bad_input, *why + "; nothing was imported (--atomic)");
      report.refused.push_back({name, std::move(*why)});
      continue;
    }
    for (auto& e : parsed.events) events.push_back(std::move(e));
    report.files.push_back(std::move(parsed.report));
  }
  if (report.files.empty()) {
    const RefusedFile& first = report.refused.front();
    fail(ErrorKind::bad_input, report.refused.size() == 1
                                   ? first.reason + "; nothing was imported"
                                   : "none of the " + std::to_string(report.refused.size()) +
                                         " files could be imported (the first: " + first.reason + "); nothing was imported");
  }
  report.stored = store.add_events(events);
  return report;
}

}  // namespace mandate::ingest
