#include "settings/http_url.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include <curl/curl.h>

namespace mandate::settings {
namespace {

struct UrlFree {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// One part of a parsed URL ("" when it has none).
std::string url_part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string out(value);
  curl_free(value);
  return out;
}

}  // namespace

bool HttpUrl::loopback() const {
  if (host == "localhost" || host == "[::1]") return true;
  // curl has normalised the form, so a dotted literal is all there is to see.
  return host.starts_with("127.") &&
         std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || std::isdigit(static_cast<unsigned char>(c)); });
}

std::string HttpUrl::origin() const { return scheme + "://" + host + (port.empty() ? "" : ":" + port); }

std::expected<HttpUrl, std::string> parse_http_url(const std::string& text) {
  std::unique_ptr<CURLU, UrlFree> url(curl_url());
  // Any scheme parses, so that the error can name the one given.
  if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return std::unexpected("must be an absolute http:// or https:// URL");
  }
  HttpUrl out{url_part(url.get(), CURLUPART_SCHEME), url_part(url.get(), CURLUPART_HOST), url_part(url.get(), CURLUPART_PORT)};
  if (out.scheme != "https" && out.scheme != "http") {
    return std::unexpected("must be an http:// or https:// URL, not " + out.scheme + "://");
  }
  if (!url_part(url.get(), CURLUPART_USER).empty() || !url_part(url.get(), CURLUPART_FRAGMENT).empty()) {
    return std::unexpected("must hold no user:password@ and no #fragment");
  }
  return out;
}

}  // namespace mandate::settings
