#pragma once
// Private to the authzen module: the build defines MANDATE_INSIDE_AUTHZEN only for src/authzen/ and tests/authzen/.
#ifndef MANDATE_INSIDE_AUTHZEN
#error "this header is internal to the authzen module; include a public authzen/ header instead"
#endif
// Search paging (AuthZEN 1.0 "page"): a request asks with page.token and
// page.limit, a response answers with page.next_token ("" on the last
// page), page.count and page.total. The token is opaque to clients: the
// offset of the next result plus a fingerprint of the query, so a token
// replayed against another query is refused (400). Each page is searched
// afresh: when policies or entities change between pages, results may
// shift, as the spec allows (page.total is "at the time of the request").
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace mandate::authzen {

inline constexpr std::size_t kDefaultPageLimit = 50;
inline constexpr std::size_t kMaxPageLimit = 1000;

struct PageRequest {
  std::size_t offset = 0;
  std::size_t limit = kDefaultPageLimit;
};

// A fingerprint of everything that decides a search's results.
std::string query_fingerprint(const nlohmann::json& request_without_page);

// Reads request.page; throws Error{bad_input} naming page.token or page.limit.
PageRequest parse_page(const nlohmann::json& request, const std::string& fingerprint);

// The response's page object for `total` results of which this page shows
// [offset, offset + count).
nlohmann::json page_answer(const PageRequest& page, std::size_t count, std::size_t total, const std::string& fingerprint);

}  // namespace mandate::authzen
