#pragma once
// Private to the ingest module: the build defines MANDATE_INSIDE_INGEST only for src/ingest/ and tests/ingest/.
#ifndef MANDATE_INSIDE_INGEST
#error "this header is internal to the ingest module; include a public ingest/ header instead"
#endif
// Internal to ingest/: finds the records in an input, whatever its framing.
#include <simdjson.h>

#include <functional>
#include <string>

#include "ingest/source_text.h"

namespace mandate::ingest {

using RecordVisitor = std::function<void(simdjson::dom::element record, const std::string& origin)>;
using RefusalVisitor = std::function<void(const std::string& origin, const std::string& reason)>;

// Accepts one JSON document (an array of records, an object with a "Records"
// array as CloudTrail writes its files — or "Events" / "QueryResultRows" as
// the CloudTrail API returns them — or a single record) or JSON lines (each
// line one of those); an Okta event hook's {"data":{"events":[…]}} is read as
// its events. A record's origin is "name:line", where line is where the
// record starts; inside a "Records" (…) array it is "name:line#index".
// A Microsoft Graph response ({"value":[…]}) or Azure Monitor export
// ({"records":[…]}) holding nothing else is split the same way.
// The element passed to `record` is valid only during the call.
void split_records(const SourceText& text, const std::string& name, simdjson::dom::parser& parser,
                   const RecordVisitor& record, const RefusalVisitor& refuse);

}  // namespace mandate::ingest
