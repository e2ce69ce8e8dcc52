#include "core/ids.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace mandate::core {
namespace {

using Result = std::expected<void, std::string>;

Result fail(std::string message) { return std::unexpected(std::move(message)); }

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// Decodes UTF-8 strictly (no overlongs, no surrogates, nothing above
// U+10FFFF) and rejects control characters as it goes, because a code point is
// only visible after decoding: U+0085 (NEL) is a line break in some viewers.
// `allow_line_breaks` admits TAB, LF and CR for free text.
Result check_utf8_printable(std::string_view s, bool allow_line_breaks) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<std::uint8_t>(s[i]);
    std::uint32_t cp = 0;
    std::size_t len = 0;
    std::uint32_t min = 0;
    if (lead < 0x80) {
      cp = lead;
      len = 1;
    } else if ((lead & 0xE0) == 0xC0) {
      cp = lead & 0x1F;
      len = 2;
      min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      cp = lead & 0x0F;
      len = 3;
      min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      cp = lead & 0x07;
      len = 4;
      min = 0x10000;
    } else {
      return fail("is not valid UTF-8");
    }
    if (i + len > s.size()) return fail("is not valid UTF-8");
    for (std::size_t k = 1; k < len; ++k) {
      const auto cont = static_cast<std::uint8_t>(s[i + k]);
      if ((cont & 0xC0) != 0x80) return fail("is not valid UTF-8");
      cp = (cp << 6) | (cont & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return fail("is not valid UTF-8");
    }
    const bool line_break = cp == '\t' || cp == '\n' || cp == '\r';
    const bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
    if (control && !(allow_line_breaks && line_break)) {
      return fail("contains a control character");
    }
    i += len;
  }
  return {};
}

bool is_trust_domain_char(char c) {
  return (c >= 'a' && c <= 'z') || is_ascii_digit(c) || c == '.' || c == '-' || c == '_';
}

bool is_path_segment_char(char c) {
  return is_ascii_alpha(c) || is_ascii_digit(c) || c == '.' || c == '-' || c == '_';
}

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

constexpr std::string_view kSpiffePrefix = "spiffe://";

}  // namespace

Result check_id(std::string_view id) {
  if (id.empty()) return fail("is empty");
  if (id.size() > kMaxIdLength) return fail("is longer than 2048 bytes");
  return check_utf8_printable(id, /*allow_line_breaks=*/false);
}

Result check_spiffe_id(std::string_view id) {
  if (id.size() > kMaxIdLength) return fail("is longer than 2048 bytes");
  if (!id.starts_with(kSpiffePrefix)) return fail("does not start with \"spiffe://\"");
  const std::string_view rest = id.substr(kSpiffePrefix.size());
  const std::size_t slash = rest.find('/');
  const std::string_view trust_domain = rest.substr(0, slash);
  if (trust_domain.empty()) return fail("has no trust domain");
  if (trust_domain.size() > kMaxTrustDomainLength) {
    return fail("has a trust domain longer than 255 bytes");
  }
  for (const char c : trust_domain) {
    if (!is_trust_domain_char(c)) {
      // Names the usual culprits so the message says how to fix the ID.
      if (c == ':') return fail("has a port or userinfo in its trust domain");
      if (c == '@') return fail("has userinfo in its trust domain");
      if (c == '?') return fail("has a query");
      if (c == '#') return fail("has a fragment");
      return fail("has a trust domain with characters outside [a-z0-9.-_]");
    }
  }
  if (slash == std::string_view::npos) return {};

  std::string_view path = rest.substr(slash);
  while (!path.empty()) {
    path.remove_prefix(1);  // the "/" that opens this segment
    const std::size_t end = path.find('/');
    const std::string_view segment = path.substr(0, end);
    if (segment.empty()) {
      return fail(end == std::string_view::npos ? "ends with \"/\"" : "has an empty path segment");
    }
    if (segment == "." || segment == "..") return fail("has a \".\" or \"..\" path segment");
    for (const char c : segment) {
      if (!is_path_segment_char(c)) {
        if (c == '?') return fail("has a query");
        if (c == '#') return fail("has a fragment");
        if (c == '%') return fail("has percent-encoding in its path");
        return fail("has a path with characters outside [A-Za-z0-9.-_]");
      }
    }
    path = end == std::string_view::npos ? std::string_view{} : path.substr(end);
  }
  return {};
}

bool is_spiffe_id(std::string_view id) { return check_spiffe_id(id).has_value(); }

Result check_uri(std::string_view id) {
  const std::size_t colon = id.find(':');
  if (colon == std::string_view::npos || colon == 0) return fail("is not a URI: it has no scheme");
  const std::string_view scheme = id.substr(0, colon);
  if (!is_ascii_alpha(scheme.front())) return fail("is not a URI: its scheme must start with a letter");
  for (const char c : scheme) {
    if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '+' && c != '-' && c != '.') {
      return fail("is not a URI: its scheme has characters outside [A-Za-z0-9+-.]");
    }
  }
  if (equals_ignoring_ascii_case(scheme, "spiffe")) return check_spiffe_id(id);
  const std::string_view rest = id.substr(colon + 1);
  if (rest.empty()) return fail("is not a URI: nothing follows the scheme");
  for (const char c : rest) {
    if (c == ' ') return fail("is not a URI: it contains a space");
  }
  return {};
}

Result check_workload_id(std::string_view id) {
  if (auto ok = check_id(id); !ok) return ok;
  if (auto ok = check_uri(id); !ok) return ok;
  if (id.starts_with(kSpiffePrefix) &&
      id.find('/', kSpiffePrefix.size()) == std::string_view::npos) {
    return fail("is a SPIFFE trust domain, not a workload: it has no path");
  }
  return {};
}

Result check_distinct_ids(std::span<const std::string> ids) {
  for (auto it = ids.begin(); it != ids.end(); ++it) {
    if (auto ok = check_id(*it); !ok) return fail("entry " + ok.error());
    if (std::find(ids.begin(), it, *it) != it) return fail("has a repeated entry");
  }
  return {};
}

Result check_text(std::string_view text) {
  if (text.empty()) return fail("is empty");
  if (text.size() > kMaxTextLength) return fail("is longer than 16384 bytes");
  return check_utf8_printable(text, /*allow_line_breaks=*/true);
}

}  // namespace mandate::core
