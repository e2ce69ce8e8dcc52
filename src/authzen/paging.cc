#include "authzen/internal/paging.h"

#include <algorithm>
#include <charconv>
#include <span>

#include "core/error.h"
#include "crypto/sha256.h"
#include "encoding/hex.h"
#include "encoding/json.h"

namespace mandate::authzen {

std::string query_fingerprint(const nlohmann::json& request_without_page) {
  const std::string canonical = encoding::canonicalize(request_without_page).value_or(request_without_page.dump());
  const auto hash = crypto::sha256(canonical);
  return encoding::hex_encode(std::span(hash).first(8));
}

PageRequest parse_page(const nlohmann::json& request, const std::string& fingerprint) {
  PageRequest page;
  const auto it = request.find("page");
  if (it == request.end() || it->is_null()) return page;
  if (!it->is_object()) fail(ErrorKind::bad_input, "page: expected an object");
  if (const auto limit = it->find("limit"); limit != it->end()) {
    if (!limit->is_number_unsigned()) fail(ErrorKind::bad_input, "page.limit: expected a non-negative integer");
    page.limit = std::min<std::size_t>(limit->get<std::uint64_t>(), kMaxPageLimit);
    if (page.limit == 0) page.limit = kDefaultPageLimit;
  }
  // page.token (1.0); page.next_token as the earlier drafts spelled it.
  auto token = it->find("token");
  if (token == it->end()) token = it->find("next_token");
  if (token == it->end() || (token->is_string() && token->get_ref<const std::string&>().empty())) return page;
  if (!token->is_string()) fail(ErrorKind::bad_input, "page.token: expected a string");
  const std::string& text = token->get_ref<const std::string&>();
  const auto dot = text.find('.');
  if (dot == std::string::npos || text.substr(0, dot) != fingerprint) {
    fail(ErrorKind::bad_input, "page.token: not from this query; search again without it");
  }
  const char* first = text.data() + dot + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, page.offset);
  if (ec != std::errc{} || end != last) fail(ErrorKind::bad_input, "page.token: malformed");
  return page;
}

nlohmann::json page_answer(const PageRequest& page, std::size_t count, std::size_t total, const std::string& fingerprint) {
  const std::size_t next = page.offset + count;
  return {{"next_token", next < total ? fingerprint + "." + std::to_string(next) : ""},
          {"count", count},
          {"total", total}};
}

}  // namespace mandate::authzen
