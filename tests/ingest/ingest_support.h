#pragma once
#include <string>

#include "ingest/importer.h"

namespace mandate::testing {

inline std::string sample(const std::string& relative) {
  return std::string(MANDATE_SHARED_DIR) + "/samples/" + relative;
}

inline ingest::ParsedInput parse_file(ingest::SourceKind kind, const std::string& path) {
  return ingest::parse_source(kind, ingest::read_source(path), path);
}

inline ingest::ParsedInput parse_text(ingest::SourceKind kind, const std::string& text, const std::string& name = "t") {
  return ingest::parse_source(kind, ingest::SourceText(text), name);
}

}  // namespace mandate::testing
