#include "ingest/importer.h"

#include "core/error.h"

namespace mandate::ingest {

ImportReport import_files(SourceKind kind, std::span<const std::string> paths, store::EventStore& store) {
  if (paths.empty()) fail(ErrorKind::bad_input, "no file to import");
  ImportReport report;
  std::vector<core::AuditEvent> events;
  for (const std::string& path : paths) {
    const std::string name = path == "-" ? "<stdin>" : path;
    ParsedInput parsed = parse_source(kind, read_source(path), name);
    if (parsed.report.events == 0 && parsed.report.malformed > 0) {
      const auto& first = parsed.report.malformed_examples.front();
      fail(ErrorKind::bad_input, first.where + ": " + first.reason + " (no record of " + name + " could be read as " +
                                     std::string(to_string(kind)) + "; nothing was imported)");
    }
    for (auto& e : parsed.events) events.push_back(std::move(e));
    report.files.push_back(std::move(parsed.report));
  }
  report.stored = store.add_events(events);
  return report;
}

}  // namespace mandate::ingest
