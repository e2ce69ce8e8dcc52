#include "http/message.h"

#include <algorithm>
#include <cctype>
#include <future>
#include <set>

#include <nlohmann/json.hpp>

namespace mandate::http {

void DeferredResponse::complete(Response response) {
  std::function<void(Response)> next;
  {
    std::lock_guard lock(mu_);
    if (!next_) {
      answer_ = std::make_unique<Response>(std::move(response));
      return;
    }
    next = std::move(next_);
  }
  next(std::move(response));
}

Response answer_of(Response response) {
  if (!response.deferred) return response;
  std::promise<Response> answer;
  auto future = answer.get_future();
  response.deferred->then([&answer](Response r) { answer.set_value(std::move(r)); });
  return future.get();
}

void DeferredResponse::then(std::function<void(Response)> next) {
  std::unique_ptr<Response> answer;
  {
    std::lock_guard lock(mu_);
    if (!answer_) {
      next_ = std::move(next);
      return;
    }
    answer = std::move(answer_);
  }
  next(std::move(*answer));
}

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> Request::query_parameter(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = percent_decode(pair.substr(0, eq), true);
    if (!key || *key != name) continue;
    return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

namespace {
bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}
}  // namespace

std::expected<Request, std::string> request_from_head(std::string_view method, std::string_view target,
                                                      std::vector<std::pair<std::string, std::string>> fields) {
  if (!target.starts_with('/')) {
    return std::unexpected("the request target must be an absolute path starting with '/' (origin-form)");
  }
  Request request;
  request.method = std::string(method);
  request.target = std::string(target);
  const auto q = request.target.find('?');
  request.path = request.target.substr(0, q);
  if (q != std::string::npos) request.query = request.target.substr(q + 1);
  for (auto& [name, value] : fields) {
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  const auto sent_id = request.header("x-request-id");
  if (sent_id && acceptable_request_id(*sent_id)) request.request_id = std::string(*sent_id);
  return request;
}

bool media_type_matches(std::string_view content_type, std::string_view expected) {
  const auto semi = content_type.find(';');
  std::string_view type = content_type.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return type.size() == expected.size() &&
         std::equal(type.begin(), type.end(), expected.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(
    std::string_view body, std::initializer_list<std::string_view> repeatable) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::set<std::string> seen;
  std::string_view rest = body;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!name || !value || name->empty()) return std::nullopt;
    const bool may_repeat = std::find(repeatable.begin(), repeatable.end(), *name) != repeatable.end();
    if (!seen.insert(*name).second && !may_repeat) return std::nullopt;
    fields.emplace_back(std::move(*name), std::move(*value));
  }
  return fields;
}

std::string error_body(std::string_view error, std::optional<std::string_view> description) {
  nlohmann::json body{{"error", error}};
  if (description) body["error_description"] = *description;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mandate::http
