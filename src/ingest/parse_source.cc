// Parsing one input into events, without storing them: everything the
// importer does before its transaction, and all a fuzz target needs.
#include "ingest/importer.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "core/error.h"
#include "crypto/sha256.h"
#include "encoding/hex.h"
#include "ingest/detect_source.h"
#include "ingest/internal/record_parser.h"
#include "ingest/internal/record_splitter.h"

namespace mandate::ingest {
namespace {

constexpr auto kSourceNames = std::to_array<std::pair<SourceKind, std::string_view>>({
    {SourceKind::cloudtrail, "cloudtrail"},
    {SourceKind::k8s_audit, "k8s-audit"},
    {SourceKind::vault, "vault"},
    {SourceKind::github, "github"},
    {SourceKind::okta, "okta"},
    {SourceKind::gcp, "gcp"},
    {SourceKind::entra, "entra"},
    {SourceKind::azure, "azure"},
    {SourceKind::m365, "m365"},
});

// Deep enough for any real audit record (CloudTrail request parameters nest
// about ten levels), shallow enough that hostile nesting costs nothing.
constexpr std::size_t kMaxDepth = 64;

std::unique_ptr<RecordParser> make_parser(SourceKind kind) {
  switch (kind) {
    case SourceKind::cloudtrail: return make_cloudtrail_parser();
    case SourceKind::k8s_audit: return make_k8s_audit_parser();
    case SourceKind::vault: return make_vault_parser();
    case SourceKind::github: return make_github_parser();
    case SourceKind::okta: return make_okta_parser();
    case SourceKind::gcp: return make_gcp_parser();
    case SourceKind::entra: return make_entra_parser();
    case SourceKind::azure: return make_azure_activity_parser();
    case SourceKind::m365: return make_m365_parser();
  }
  fail(ErrorKind::bad_input, "unknown source kind");
}

}  // namespace

std::string_view to_string(SourceKind kind) {
  for (const auto& [k, name] : kSourceNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::span<const SourceKind> all_source_kinds() {
  static const std::vector<SourceKind> kinds = [] {
    std::vector<SourceKind> all;
    for (const auto& [kind, name] : kSourceNames) all.push_back(kind);
    return all;
  }();
  return kinds;
}

std::optional<SourceKind> parse_source_kind(std::string_view text) {
  for (const auto& [k, name] : kSourceNames) {
    if (name == text) return k;
  }
  return std::nullopt;
}

void ParseSink::add(core::AuditEvent event) {
  ++report->events;
  events.push_back(std::move(event));
}

void ParseSink::keep(core::AuditEvent event, simdjson::dom::element record, const std::string& origin) {
  event.origin = origin;
  event.raw = stored.write(record);
  event.id = event_id(event.source, event.raw);
  add(std::move(event));
}

void ParseSink::refuse(const std::string& origin, std::string reason) {
  ++report->malformed;
  if (report->malformed_examples.size() < FileReport::kMaxReported) {
    report->malformed_examples.push_back({origin, std::move(reason)});
  }
}

std::string event_id(std::string_view source, std::string_view stored_raw) {
  crypto::Sha256 h;
  h.update(source).update(std::uint8_t{'\n'}).update(stored_raw);
  const auto digest = h.finish();
  return encoding::hex_encode(std::span<const std::uint8_t>(digest.data(), 16));
}

ParsedInput parse_source(SourceKind kind, const SourceText& text, const std::string& name) {
  return parse_source(kind, text, name, 0, nullptr);
}

ParsedInput parse_source(SourceKind kind, const SourceText& text, const std::string& name, std::size_t batch_size,
                         const EventsReady& ready) {
  ParsedInput out;
  out.report.file = name;
  out.report.source = std::string(to_string(kind));
  ParseSink sink;
  sink.report = &out.report;
  simdjson::dom::parser parser;
  // Room for one line to start with: the parser grows (keeping the depth
  // limit) when a document is larger, so JSON lines never pay for the
  // whole file's tape and index.
  constexpr std::size_t kInitialCapacity = 64 * 1024;
  if (parser.allocate(std::clamp<std::size_t>(text.size(), 1, kInitialCapacity), kMaxDepth) != simdjson::SUCCESS) {
    fail(ErrorKind::io, name + ": cannot allocate the JSON parser");
  }
  auto source_parser = make_parser(kind);
  split_records(
      text, name, parser,
      [&](simdjson::dom::element record, const std::string& origin) {
        ++out.report.records;
        source_parser->parse(record, origin, sink);
        if (ready && !sink.events.empty() && sink.events.size() >= batch_size) ready(std::exchange(sink.events, {}));
      },
      [&](const std::string& origin, const std::string& reason) {
        ++out.report.records;
        sink.refuse(origin, reason);
      });
  source_parser->finish(sink);
  if (!ready) {
    out.events = std::move(sink.events);
  } else if (!sink.events.empty()) {
    ready(std::move(sink.events));
  }
  return out;
}

}  // namespace mandate::ingest
