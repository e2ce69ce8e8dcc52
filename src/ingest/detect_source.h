#pragma once
// Which source wrote a log, for `mandate ingest auto`: an investigator with a
// folder of logs should not have to sort it by hand first.
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ingest/importer.h"
#include "ingest/source_text.h"

namespace mandate::ingest {

// Every source mandate reads, in the order ties are broken.
std::span<const SourceKind> all_source_kinds();

// The source whose parser reads the most of the log's first records (the
// first 256 lines of JSON lines; a single document whole), with fewer
// malformed records breaking ties. nullopt when no parser reads any record.
// Trying the parsers themselves, rather than guessing from member names,
// means a source is detected exactly when it would import.
std::optional<SourceKind> detect_source(const SourceText& text, const std::string& name);

// The files a folder walk imports: what a log is called (.json, .jsonl,
// .ndjson, .log, each optionally .gz), under `root` at any depth,
// sorted, hidden files and folders left out. `ignored` gets the other
// files, so the caller can say what it did not look at. A path that is a
// file is returned as it is, whatever its name.
std::vector<std::string> log_files(const std::filesystem::path& root, std::vector<std::string>& ignored);

}  // namespace mandate::ingest
