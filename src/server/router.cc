#include "server/router.h"

#include <nlohmann/json.hpp>

namespace mandate::server {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = path.starts_with('/') ? 1 : 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    parts.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

bool is_parameter(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// The path's parameters when it matches, percent-decoded.
std::optional<PathParameters> match(const Router::Route& route, const std::vector<std::string>& parts) {
  if (route.segments.size() != parts.size()) return std::nullopt;
  PathParameters parameters;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& segment = route.segments[i];
    if (is_parameter(segment)) {
      auto value = percent_decode(parts[i], false);
      if (!value || value->empty()) return std::nullopt;
      parameters.emplace(segment.substr(1, segment.size() - 2), std::move(*value));
    } else if (segment != parts[i]) {
      return std::nullopt;
    }
  }
  return parameters;
}

}  // namespace

void Router::add(std::string method, std::string pattern, RouteHandler handler) {
  auto segments = split_path(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

Response Router::route(Request& request) const {
  const auto parts = split_path(request.path);
  std::string allowed;
  std::string matched_pattern;
  for (const auto& r : routes_) {
    auto parameters = match(r, parts);
    if (!parameters) continue;
    if (r.method != request.method) {
      allowed += (allowed.empty() ? "" : ", ") + r.method;
      matched_pattern = r.pattern;
      continue;
    }
    Response response = r.handler(request, *parameters);
    response.route = r.pattern;
    return response;
  }
  if (!allowed.empty()) {
    Response response = error_response(405, "method " + request.method + " is not allowed here; allowed: " + allowed);
    response.headers.emplace_back("Allow", allowed);
    response.route = matched_pattern;
    return response;
  }
  Response response = error_response(404, "no such endpoint");
  response.route = "(unknown)";
  return response;
}

Response error_response(int status, const std::string& message) {
  return json_response(status, nlohmann::json{{"error", message}}.dump());
}

Response json_response(int status, const std::string& json_text) {
  Response response;
  response.status = status;
  response.body = json_text;
  return response;
}

}  // namespace mandate::server
