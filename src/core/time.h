#pragma once
// Every recorded moment in mandate is a UTC instant with microsecond
// precision: fine enough to order decisions taken within one request, and the
// precision most audit sources (Kubernetes, Vault, OCSF) already carry.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mandate::core {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// RFC 3339 in its one canonical form: "YYYY-MM-DDTHH:MM:SS.ffffffZ", always
// six fractional digits, always "Z". Fixed width means the text sorts in the
// same order as the instants. Years outside 0000-9999 have no RFC 3339 form;
// they are written with more digits (or a sign) and parse_timestamp rejects
// them, which is acceptable because no real record lies there.
std::string format_timestamp(Timestamp t);

// Strict RFC 3339 UTC: "YYYY-MM-DDTHH:MM:SS" optionally followed by "." and
// 1-6 fractional digits, then "Z". Rejected, so that a bad value never turns
// silently into a different instant:
//  - numeric offsets (+01:00, even +00:00): mandate stores UTC only;
//  - lower-case "t"/"z" and space separators: not the canonical form;
//  - more than six fractional digits: would be truncated, i.e. changed;
//  - leap second 23:59:60: std::chrono::sys_time cannot represent it;
//  - impossible dates (month 13, 29 February in a common year).
std::optional<Timestamp> parse_timestamp(std::string_view text);

}  // namespace mandate::core
