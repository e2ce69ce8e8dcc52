#include "server/internal/router.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "encoding/json.h"

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

// Bytes as a message can quote them: printable ASCII and well-formed UTF-8
// as they are, anything else as \xHH.
std::string escaped_bytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    std::size_t length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (c >= 0x80 && (i + length > bytes.size() || !encoding::valid_utf8(bytes.substr(i, length)))) length = 0;
    if (length == 0 || c < 0x20 || c == 0x7F || c == '"' || c == '\\') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
    } else {
      out.append(bytes.substr(i, length));
      i += length;
    }
  }
  return out;
}

struct Match {
  PathParameters parameters;
  // Set when the path has the route's shape but a parameter cannot name
  // anything: every id in mandate is UTF-8, and the messages that quote
  // ids are JSON, which holds nothing else.
  std::string unreadable;
};

// The path's parameters when it matches, percent-decoded.
std::optional<Match> match(const Router::Route& route, const std::vector<std::string>& parts) {
  const bool rest = route.last == LastParameter::rest_of_path;
  if (rest ? parts.size() < route.segments.size() : route.segments.size() != parts.size()) return std::nullopt;
  Match m;
  for (std::size_t i = 0; i < route.segments.size(); ++i) {
    const auto& segment = route.segments[i];
    if (is_parameter(segment)) {
      std::string part = parts[i];
      // The last parameter of a rest-of-path route takes the remaining segments, '/' kept.
      for (std::size_t j = i + 1; rest && i + 1 == route.segments.size() && j < parts.size(); ++j) part += "/" + parts[j];
      auto value = percent_decode(part, false);
      if (!value || value->empty()) return std::nullopt;
      const std::string name = segment.substr(1, segment.size() - 2);
      if (m.unreadable.empty() && !encoding::valid_utf8(*value)) {
        m.unreadable = "path parameter " + name + " is not UTF-8: \"" + escaped_bytes(*value) + "\"";
      }
      m.parameters.emplace(name, std::move(*value));
    } else if (segment != parts[i]) {
      return std::nullopt;
    }
  }
  return m;
}

}  // namespace

void Router::add(std::string method, std::string pattern, RouteHandler handler, LastParameter last) {
  auto segments = split_path(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler), last});
}

Response Router::route(Request& request) const {
  const auto parts = split_path(request.path);
  std::string allowed;
  std::string matched_pattern;
  for (const auto& r : routes_) {
    auto matched = match(r, parts);
    if (!matched) continue;
    if (r.method != request.method) {
      if (allowed.find(r.method) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + r.method;
      matched_pattern = r.pattern;
      continue;
    }
    // Refused here, once for every route, before any handler could quote it.
    Response response = matched->unreadable.empty() ? r.handler(request, matched->parameters)
                                                    : error_response(400, matched->unreadable);
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
  return json_response(status, error_body(message));
}

Response json_response(int status, std::string json_text) {
  Response response;
  response.status = status;
  response.body = std::move(json_text);
  return response;
}

}  // namespace mandate::server
