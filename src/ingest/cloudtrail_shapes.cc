// The shapes a CloudTrail record reaches people in, besides a trail file:
// - `aws cloudtrail lookup-events` / LookupEvents
//   (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Event.html):
//   {"EventId","EventName","EventTime","Username","Resources","CloudTrailEvent":"<record as JSON text>"};
// - EventBridge (https://docs.aws.amazon.com/eventbridge/latest/ref/events-structure.html):
//   {"version":"0","id","detail-type":"AWS API Call via CloudTrail","source":"aws.…","time","detail":{record}};
// - CloudTrail Lake `get-query-results`
//   (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetQueryResults.html):
//   each row an array of one-column objects whose values are all strings.
#include "ingest/internal/cloudtrail_shapes.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <vector>

#include "ingest/internal/json_reader.h"

namespace mandate::ingest {
namespace {

// Deep enough for any real record, as for the outer parser.
constexpr std::size_t kMaxDepth = 64;

bool has(simdjson::dom::element object, std::string_view key) {
  simdjson::dom::element value;
  return object.at_key(key).get(value) == simdjson::SUCCESS;
}

// EventTime is epoch seconds in the API and the AWS CLI v1, ISO 8601 with
// an offset in the CLI v2; EventBridge's "time" is RFC 3339.
std::optional<core::Timestamp> carrier_time(simdjson::dom::element object, std::string_view key) {
  simdjson::dom::element value;
  if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  double seconds = 0;
  if (value.get_double().get(seconds) == simdjson::SUCCESS) {
    if (!(seconds >= 0 && seconds < 253402300800.0)) return std::nullopt;
    return core::Timestamp(std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6)));
  }
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
  return parse_source_time(text);
}

// The Lake columns read when a row has no eventJson, by the names a query
// gives them: the field's own name, or its path when aliased
// (`userIdentity.arn AS "userIdentity.arn"`), compared without case. Struct
// columns (a whole `userIdentity`) come back as "{type=…, arn=…}" text,
// which is not JSON and is not read: select the fields.
struct LakeColumn {
  std::string_view column;
  std::string_view member;  // where it goes in the record; "userIdentity/…" nests
};
constexpr std::array<LakeColumn, 29> kLakeColumns{{
    {"eventtime", "eventTime"},
    {"eventname", "eventName"},
    {"eventsource", "eventSource"},
    {"eventid", "eventID"},
    {"eventtype", "eventType"},
    {"sourceipaddress", "sourceIPAddress"},
    {"useragent", "userAgent"},
    {"errorcode", "errorCode"},
    {"errormessage", "errorMessage"},
    {"awsregion", "awsRegion"},
    {"recipientaccountid", "recipientAccountId"},
    {"useridentity.type", "userIdentity/type"},
    {"type", "userIdentity/type"},
    {"useridentity.arn", "userIdentity/arn"},
    {"arn", "userIdentity/arn"},
    {"useridentity.principalid", "userIdentity/principalId"},
    {"principalid", "userIdentity/principalId"},
    {"useridentity.accountid", "userIdentity/accountId"},
    {"accountid", "userIdentity/accountId"},
    {"useridentity.username", "userIdentity/userName"},
    {"username", "userIdentity/userName"},
    {"useridentity.accesskeyid", "userIdentity/accessKeyId"},
    {"accesskeyid", "userIdentity/accessKeyId"},
    {"useridentity.invokedby", "userIdentity/invokedBy"},
    {"invokedby", "userIdentity/invokedBy"},
    {"useridentity.sessioncontext.sessionissuer.arn", "userIdentity/sessionContext/sessionIssuer/arn"},
    {"sessionissuer.arn", "userIdentity/sessionContext/sessionIssuer/arn"},
    {"useridentity.sessioncontext.sourceidentity", "userIdentity/sessionContext/sourceIdentity"},
    {"sourceidentity", "userIdentity/sessionContext/sourceIdentity"},
}};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

using Fields = std::vector<std::pair<std::string_view, std::string_view>>;  // member path, value

// Lake prints timestamps as "2023-01-05 13:51:00.000", in UTC without a zone.
std::string lake_time(std::string_view text) {
  std::string out(text);
  if (!parse_source_time(out) && parse_source_time(out + "Z")) out += 'Z';
  return out;
}

// The record the columns describe, as JSON text; always with a userIdentity,
// so a row that names nobody is told apart from a service event.
std::string record_from(const Fields& fields) {
  std::string top, identity, issuer, source_identity;
  auto member = [](std::string& out, std::string_view name, std::string_view value) {
    if (!out.empty()) out += ',';
    append_json_string(out, name);
    out += ':';
    append_json_string(out, value);
  };
  for (const auto& [path, value] : fields) {
    if (path == "eventTime") {
      member(top, path, lake_time(value));
    } else if (path == "userIdentity/sessionContext/sessionIssuer/arn") {
      member(issuer, "arn", value);
    } else if (path == "userIdentity/sessionContext/sourceIdentity") {
      member(source_identity, "sourceIdentity", value);
    } else if (path.starts_with("userIdentity/")) {
      member(identity, path.substr(13), value);
    } else {
      member(top, path, value);
    }
  }
  std::string context;
  if (!issuer.empty()) context = "\"sessionIssuer\":{" + issuer + "}";
  if (!source_identity.empty()) context += (context.empty() ? "" : ",") + source_identity;
  if (!context.empty()) identity += (identity.empty() ? "" : ",") + std::string("\"sessionContext\":{") + context + "}";
  return "{" + top + (top.empty() ? "" : ",") + "\"userIdentity\":{" + identity + "}}";
}

}  // namespace

std::string CloudTrailShapes::parse_inner(std::string_view text, simdjson::dom::element& out) {
  if (!allocated_) {
    if (inner_.allocate(std::max<std::size_t>(text.size(), 4096), kMaxDepth) != simdjson::SUCCESS) {
      return "cannot allocate a parser for the record inside";
    }
    allocated_ = true;
  }
  const auto code = inner_.parse(text.data(), text.size(), true).get(out);
  if (code != simdjson::SUCCESS) return simdjson::error_message(code);
  return {};
}

CloudTrailCarrier CloudTrailShapes::open(simdjson::dom::element element) {
  if (element.is_array()) return lake_row(element);
  if (has(element, "CloudTrailEvent")) return lookup_entry(element);
  if (has(element, "EventId") && has(element, "EventName") && !has(element, "eventName")) {
    // `--query` can leave out the record: the summary names no identity.
    return {element, element, std::nullopt, {}, "a LookupEvents entry without its record (CloudTrailEvent)"};
  }
  if (has(element, "detail-type") && has(element, "detail")) return eventbridge(element);
  return {element, element, std::nullopt, {}, {}};
}

CloudTrailCarrier CloudTrailShapes::lookup_entry(simdjson::dom::element entry) {
  CloudTrailCarrier c{entry, entry, carrier_time(entry, "EventTime"), {}, {}};
  std::string_view text;
  if (entry.at_key("CloudTrailEvent").get_string().get(text) != simdjson::SUCCESS) {
    c.refusal = "CloudTrailEvent must be a string holding the record (a LookupEvents entry)";
    return c;
  }
  simdjson::dom::element record;
  if (const auto why = parse_inner(text, record); !why.empty()) {
    c.refusal = "CloudTrailEvent is not valid JSON (" + why + ")";
    return c;
  }
  if (!record.is_object()) {
    c.refusal = "CloudTrailEvent must hold a JSON object (the record)";
    return c;
  }
  // The record, not its LookupEvents summary, is what is stored: the same
  // record from a trail file is then the same event.
  c.record = c.stored = record;
  return c;
}

CloudTrailCarrier CloudTrailShapes::eventbridge(simdjson::dom::element event) {
  CloudTrailCarrier c{event, event, carrier_time(event, "time"), {}, {}};
  std::string_view type;
  if (event.at_key("detail-type").get_string().get(type) != simdjson::SUCCESS) {
    c.refusal = "detail-type must be a string (an EventBridge event)";
    return c;
  }
  if (!type.ends_with("via CloudTrail")) {
    c.skip = "an EventBridge event that does not carry a CloudTrail record";
    return c;
  }
  simdjson::dom::element detail;
  if (event.at_key("detail").get(detail) != simdjson::SUCCESS || !detail.is_object()) {
    c.refusal = "detail must be an object (the CloudTrail record of an EventBridge event)";
    return c;
  }
  c.record = c.stored = detail;
  return c;
}

CloudTrailCarrier CloudTrailShapes::lake_row(simdjson::dom::element row) {
  CloudTrailCarrier c{row, row, std::nullopt, {}, {}};
  Fields fields;
  std::string_view event_json;
  simdjson::dom::array columns;
  if (row.get_array().get(columns) != simdjson::SUCCESS) {
    c.refusal = "a CloudTrail Lake result row must be an array";
    return c;
  }
  for (const auto column : columns) {
    simdjson::dom::object object;
    if (column.get_object().get(object) != simdjson::SUCCESS || object.size() != 1) {
      c.refusal = "a CloudTrail Lake result row must be an array of one-column objects";
      return c;
    }
    const auto field = *object.begin();
    if (field.value.is_null()) continue;
    std::string_view value;
    if (field.value.get_string().get(value) != simdjson::SUCCESS) {
      c.refusal = "CloudTrail Lake column " + std::string(utf8_prefix(field.key, 64)) + " must be a string";
      return c;
    }
    const std::string name = lower(field.key);
    if (name == "eventjson") event_json = value;
    for (const auto& known : kLakeColumns) {
      if (known.column == name) fields.emplace_back(known.member, value);
    }
  }
  if (!event_json.empty()) {
    simdjson::dom::element record;
    if (const auto why = parse_inner(event_json, record); !why.empty() || !record.is_object()) {
      c.refusal = "eventJson is not a JSON object (" + (why.empty() ? std::string("not an object") : why) + ")";
      return c;
    }
    c.record = c.stored = record;
    return c;
  }
  const auto named = [&](std::string_view member) {
    return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == member; });
  };
  if (!named("eventTime") || !named("eventName")) {
    c.refusal = "a CloudTrail Lake row needs eventTime and eventName columns (or eventJson)";
    return c;
  }
  built_ = record_from(fields);
  simdjson::dom::element record;
  if (const auto why = parse_inner(built_, record); !why.empty()) {
    c.refusal = "CloudTrail Lake row: " + why;
    return c;
  }
  // The row itself is stored: it is what the source said.
  c.record = record;
  return c;
}

}  // namespace mandate::ingest
