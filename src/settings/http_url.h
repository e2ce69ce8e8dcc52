#pragma once
// An http(s) URL a config names (a webhook endpoint, an MCP server), checked
// the one way every config reader checks it: absolute, http or https, no
// user:password@ (a credential in a config file that is shared and logged)
// and no #fragment (never sent, so a sign of a mistake).
#include <expected>
#include <string>

namespace mandate::settings {

struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // as curl normalised it; IPv6 in brackets
  std::string port;    // "" when the URL names none

  // localhost, 127.0.0.0/8 as a dotted literal, or [::1]: where plain http
  // leaves no machine.
  bool loopback() const;
  // scheme://host[:port]: how a URL is named where its path may hold a secret.
  std::string origin() const;
};

// The error completes "<key> …", e.g. "must hold no user:password@ and no #fragment".
std::expected<HttpUrl, std::string> parse_http_url(const std::string& text);

}  // namespace mandate::settings
