#pragma once
// What every importer's fuzz target checks: an attacker's log file, plain or
// gzip, must end in events and refusals (or, for broken gzip, a bad_input
// error), never a crash, hang or leak; and nothing half-made may come out.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "ingest/importer.h"
#include "ingest/source_text.h"

namespace mandate::ingest::fuzz {

// A violated invariant is a finding: abort so libFuzzer keeps the input.
inline void require(bool holds) {
  if (!holds) std::abort();
}

// The CLI prints these with nlohmann::json, which throws on invalid UTF-8
// (a name cut in the middle of a character, say).
inline bool printable(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

inline void check(const ParsedInput& parsed) {
  const FileReport& r = parsed.report;
  require(r.events == parsed.events.size());
  require(r.malformed_examples.size() == std::min(r.malformed, FileReport::kMaxReported));
  // Every record is accounted for exactly once.
  require(r.events + r.skipped + r.merged + r.malformed == r.records);
  for (const auto& e : parsed.events) {
    require(!e.id.empty() && !e.origin.empty() && !e.actor.id.empty());
    require(printable(e.actor.id) && printable(e.action) && printable(e.resource) && printable(e.credential));
    // The stored record must read back as JSON with an independent parser:
    // it is what keeps the fields the event has no place for.
    require(nlohmann::json::accept(e.raw));
  }
  for (const auto& m : r.malformed_examples) require(!m.where.empty() && !m.reason.empty() && printable(m.reason));
}

inline int run(SourceKind kind, const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    try {
      bytes = gunzip(bytes, "fuzz.gz");
    } catch (const Error& e) {
      require(e.kind() == ErrorKind::bad_input);
      return 0;
    }
  }
  check(parse_source(kind, SourceText(std::move(bytes)), "fuzz"));
  return 0;
}

}  // namespace mandate::ingest::fuzz
