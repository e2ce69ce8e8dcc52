#pragma once
// Private to the ingest module: the build defines MANDATE_INSIDE_INGEST only for src/ingest/ and tests/ingest/.
#ifndef MANDATE_INSIDE_INGEST
#error "this header is internal to the ingest module; include a public ingest/ header instead"
#endif
// Internal to ingest/: GitHub webhook payloads as events, every event type.
#include <optional>
#include <string>
#include <string_view>

#include "core/audit_event.h"
#include "ingest/internal/json_reader.h"

namespace mandate::ingest {

// A login as a principal: "[bot]" logins and Bot accounts are workloads.
core::PrincipalKind github_login_kind(std::string_view login, std::string_view type = {});
std::string github_run_reference(std::string_view repo, std::string_view run_id);

// The webhook event name (the X-GitHub-Event header) a payload's members
// show, or empty when they show none.
std::string_view github_webhook_kind(simdjson::dom::element payload);
// A webhook payload that GitHub sends without a sender (security_advisory,
// some repository_vulnerability_alert deliveries): well-formed, by nobody.
bool github_sent_by_nobody(simdjson::dom::element payload);

// Reads one webhook payload into `e`. `kind` is the event name when the
// delivery carried it (else recognised from the payload) and `delivered` its
// delivery time, if known. A payload that cannot be read is refused through
// `r`; one that is well-formed but names no actor or no time returns why it
// is skipped; else returns empty.
std::string github_webhook(JsonReader& r, std::string_view kind, std::optional<core::Timestamp> delivered,
                           core::AuditEvent& e);

}  // namespace mandate::ingest
