#pragma once
// Private to the ingest module: the build defines MANDATE_INSIDE_INGEST only for src/ingest/ and tests/ingest/.
#ifndef MANDATE_INSIDE_INGEST
#error "this header is internal to the ingest module; include a public ingest/ header instead"
#endif
// Internal to ingest/: the signals each source's parser marks on an event,
// which the analyzer's rules (src/analyze/rules.cc, techniques_*.cc) read.
#include <string_view>

#include "core/audit_event.h"
#include "ingest/internal/json_reader.h"

namespace mandate::ingest {

// `name` is the record's eventName.
void cloudtrail_signals(JsonReader& r, std::string_view name, core::AuditEvent& e);
void k8s_audit_signals(JsonReader& r, core::AuditEvent& e);

}  // namespace mandate::ingest
