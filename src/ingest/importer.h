#pragma once
// Importing other systems' audit logs into normalized events.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/audit_event.h"
#include "ingest/source_text.h"
#include "store/event_store.h"

namespace mandate::ingest {

enum class SourceKind {
  cloudtrail,
  k8s_audit,
  vault,
  github,
  okta,
  gcp,
  entra,  // Microsoft Entra ID audit and sign-in logs
  azure,  // Azure Activity log
  m365,   // Microsoft 365 Unified Audit Log
};

// "cloudtrail", "k8s-audit", "vault", "github", "okta", "gcp", "entra", "azure", "m365"
std::string_view to_string(SourceKind kind);
std::optional<SourceKind> parse_source_kind(std::string_view text);

struct MalformedRecord {
  std::string where;   // file:line (or file:line#n inside a {"Records":[…]} document)
  std::string reason;
};

struct FileReport {
  std::string file;
  std::string source;       // the source it was read as ("cloudtrail", …)
  std::size_t records = 0;  // records seen, malformed included
  std::size_t events = 0;   // normalized events produced
  std::size_t skipped = 0;  // well-formed records that are no action (e.g. Insights, RequestReceived)
  std::map<std::string, std::size_t> skipped_reasons;  // why, and how many each
  std::size_t merged = 0;   // records folded into another's event (a Vault request into its response)
  std::size_t malformed = 0;
  std::vector<MalformedRecord> malformed_examples;  // the first kMaxReported
  static constexpr std::size_t kMaxReported = 100;
};

struct ParsedInput {
  FileReport report;
  std::vector<core::AuditEvent> events;
};

// Parses one input already in memory. Never throws for bad records: they are
// counted in the report.
ParsedInput parse_source(SourceKind kind, const SourceText& text, const std::string& name);

// The same, handing the events over in order, `batch_size` at a time (the
// last batch smaller), as soon as they are parsed, so the caller can store
// some while the rest are parsed; the result then holds only the report.
using EventsReady = std::function<void(std::vector<core::AuditEvent>&& events)>;
ParsedInput parse_source(SourceKind kind, const SourceText& text, const std::string& name, std::size_t batch_size,
                         const EventsReady& ready);

// A file that could not be imported, and why (where in it, when a record).
struct RefusedFile {
  std::string file;
  std::string reason;
};

struct ImportReport {
  std::vector<FileReport> files;      // the files imported
  std::vector<RefusedFile> refused;   // the files left out (keep_good_files only)
  store::AddResult stored;
};

enum class ImportMode {
  keep_good_files,  // a file that cannot be read is named and left out; the others are stored
  all_or_nothing,   // one such file refuses the whole import (`--atomic`)
};

// Reads and parses every file, then stores the events of the files that
// could be read in one transaction and correlates them with what earlier
// imports stored. A file is refused when it cannot be read, is not valid
// gzip, or has records but not one that could be read; bad records alone
// never refuse a file (they are counted). Throws Error{bad_input} and stores
// nothing when every file is refused, or, all_or_nothing, when one is.
// `kind` nullopt: each file is read as the source detect_source() finds in
// it (ingest/detect_source.h), and one no source reads is refused.
ImportReport import_files(std::optional<SourceKind> kind, std::span<const std::string> paths,
                          store::EventStore& store, ImportMode mode = ImportMode::keep_good_files);

}  // namespace mandate::ingest
