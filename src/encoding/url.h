#pragma once
// Percent-encoding (RFC 3986 §2.1) for building URLs and form bodies.
#include <string>
#include <string_view>

namespace mandate::encoding {

// Every byte except the unreserved characters (ALPHA DIGIT - . _ ~) as %XX:
// safe as a query value, a form value (application/x-www-form-urlencoded
// reads %20 as a space too) and a path segment.
std::string percent_encode(std::string_view text);

// `url_template` with every "{reference}" replaced by `reference`,
// percent-encoded: a task's change reference as a link into the ticket
// system ([console] change_url_template). "" without a template.
std::string change_url(std::string_view url_template, std::string_view reference);

}  // namespace mandate::encoding
