#pragma once
// Private to the ingest module: the build defines MANDATE_INSIDE_INGEST only for src/ingest/ and tests/ingest/.
#ifndef MANDATE_INSIDE_INGEST
#error "this header is internal to the ingest module; include a public ingest/ header instead"
#endif
// Internal to ingest/: what every source's parser implements, and where its
// results go.
#include <simdjson.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/audit_event.h"
#include "ingest/importer.h"
#include "ingest/internal/json_reader.h"

namespace mandate::ingest {

struct ParseSink {
  std::vector<core::AuditEvent> events;
  FileReport* report = nullptr;
  StoredFormWriter stored;  // each event's raw record

  void add(core::AuditEvent event);
  // Adds the event read from `record`: its origin, its stored form (the
  // record minified, secrets redacted) and the id that hashes it.
  void keep(core::AuditEvent event, simdjson::dom::element record, const std::string& origin);
  // A well-formed record that is no action, counted with why it was left out.
  void skip(std::string_view reason) {
    ++report->skipped;
    ++report->skipped_reasons[std::string(reason)];
  }
  void merge() { ++report->merged; }
  void refuse(const std::string& origin, std::string reason);
};

class RecordParser {
 public:
  virtual ~RecordParser() = default;
  // One record in, at most one event out; a record it cannot read whole is
  // refused with a reason and nothing of it is kept.
  virtual void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) = 0;
  // End of one input: a parser that pairs records flushes what is left.
  virtual void finish(ParseSink&) {}
};

std::unique_ptr<RecordParser> make_cloudtrail_parser();
std::unique_ptr<RecordParser> make_k8s_audit_parser();
std::unique_ptr<RecordParser> make_vault_parser();
std::unique_ptr<RecordParser> make_github_parser();
std::unique_ptr<RecordParser> make_okta_parser();
std::unique_ptr<RecordParser> make_gcp_parser();
std::unique_ptr<RecordParser> make_entra_parser();
std::unique_ptr<RecordParser> make_azure_activity_parser();
std::unique_ptr<RecordParser> make_m365_parser();

// A stable id: the same record imported twice is stored once.
std::string event_id(std::string_view source, std::string_view stored_raw);

}  // namespace mandate::ingest
