#include "identity/internal/spiffe_id.h"

namespace mandate::identity {
namespace {

using Refusal = std::unexpected<std::string>;
constexpr std::size_t kMaxSpiffeId = 2048;

bool trust_domain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}
bool path_char(char c) { return trust_domain_char(c) || (c >= 'A' && c <= 'Z'); }

std::expected<void, std::string> check_path(std::string_view path) {
  if (path.empty() || path == "/") return Refusal("the SPIFFE ID has no path");
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const auto segment = path.substr(start, end - start);
    if (segment.empty()) return Refusal("the SPIFFE ID has an empty path segment");
    if (segment == "." || segment == "..") return Refusal("the SPIFFE ID has a relative path segment");
    for (const char c : segment) {
      if (!path_char(c)) return Refusal("the SPIFFE ID path has a character outside [A-Za-z0-9._-]");
    }
    start = end + 1;
  }
  return {};
}

}  // namespace

bool valid_trust_domain(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (const char c : name) {
    if (!trust_domain_char(c)) return false;
  }
  return true;
}

std::expected<SpiffeId, std::string> parse_spiffe_id(std::string_view text) {
  constexpr std::string_view kScheme = "spiffe://";
  if (text.size() > kMaxSpiffeId) return Refusal("the SPIFFE ID is longer than 2048 bytes");
  if (!text.starts_with(kScheme)) return Refusal("not a SPIFFE ID (spiffe://…)");
  text.remove_prefix(kScheme.size());
  const auto slash = text.find('/');
  const auto domain = text.substr(0, slash);
  if (!valid_trust_domain(domain)) return Refusal("the SPIFFE ID's trust domain is not lower-case [a-z0-9._-]");
  const auto path = slash == std::string_view::npos ? std::string_view{} : text.substr(slash);
  if (auto ok = check_path(path); !ok) return Refusal(ok.error());
  return SpiffeId{std::string(domain), std::string(path)};
}

}  // namespace mandate::identity
