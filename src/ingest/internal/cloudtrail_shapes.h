#pragma once
// Private to the ingest module: the build defines MANDATE_INSIDE_INGEST only for src/ingest/ and tests/ingest/.
#ifndef MANDATE_INSIDE_INGEST
#error "this header is internal to the ingest module; include a public ingest/ header instead"
#endif
// Internal to ingest/: the CloudTrail record inside whatever carries it. The
// same record reaches people as a trail file's entry, a LookupEvents entry
// (the record as a JSON string), an EventBridge event (the record in
// "detail") or a CloudTrail Lake result row (one object per column); each is
// recognised by its own members, never by a flag.
#include <simdjson.h>

#include <optional>
#include <string>

#include "core/time.h"

namespace mandate::ingest {

struct CloudTrailCarrier {
  simdjson::dom::element record;  // what the parser reads
  simdjson::dom::element stored;  // what becomes the event's raw record
  // The carrier's own time, for a record that has none.
  std::optional<core::Timestamp> time;
  std::string refusal;  // not empty: the element is refused with this reason
  std::string skip;     // not empty: the element is well-formed but holds no record
};

class CloudTrailShapes {
 public:
  // The elements returned stay valid until the next call.
  CloudTrailCarrier open(simdjson::dom::element element);

 private:
  CloudTrailCarrier lookup_entry(simdjson::dom::element entry);
  CloudTrailCarrier eventbridge(simdjson::dom::element event);
  CloudTrailCarrier lake_row(simdjson::dom::element row);
  // Parses text that a carrier holds (CloudTrailEvent, eventJson, or a
  // record built from Lake columns); empty on success, else why not.
  std::string parse_inner(std::string_view text, simdjson::dom::element& out);

  simdjson::dom::parser inner_;  // one per input, reused for every record
  bool allocated_ = false;
  std::string built_;
};

}  // namespace mandate::ingest
