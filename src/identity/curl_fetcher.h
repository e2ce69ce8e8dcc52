#pragma once
// JwksFetcher over libcurl: TLS verification always on, https only unless
// FetchOptions::allow_http, no redirects, a timeout and a size limit, for
// GETs and the console's one POST (the token endpoint) alike.
#include "identity/jwks_fetcher.h"

namespace mandate::identity {

class CurlJwksFetcher final : public JwksFetcher {
 public:
  // Initialises libcurl once per process (see curl_fetcher.cc).
  CurlJwksFetcher();
  std::expected<std::string, std::string> fetch(const std::string& url, const FetchOptions& options) override;
  std::expected<HttpAnswer, std::string> post_form(const std::string& url, const std::string& form_body,
                                                   const std::optional<std::string>& authorization,
                                                   const FetchOptions& options) override;
};

}  // namespace mandate::identity
