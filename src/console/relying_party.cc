#include "console/relying_party.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/json.h"
#include "encoding/url.h"

namespace mandate::console {
namespace {

using encoding::percent_encode;

// A provider's JSON answer as an object, or nullopt.
std::optional<nlohmann::json> json_object(const std::string& text) {
  auto parsed = encoding::parse_json_strict(text);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return std::move(*parsed);
}

std::optional<std::string> string_member(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// What a provider said in an error, fit to quote: printable and short.
std::string quotable(std::string text) {
  if (text.size() > 200) text = text.substr(0, 200) + "…";
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

bool acceptable_endpoint(const std::string& url, bool allow_http) {
  return url.starts_with("https://") || (allow_http && url.starts_with("http://"));
}

}  // namespace

std::string pkce_challenge(const std::string& code_verifier) {
  const auto digest = crypto::sha256(code_verifier);
  return encoding::base64url_encode(digest);
}

RelyingParty::RelyingParty(ClientSettings client, identity::FetchOptions fetch,
                           std::shared_ptr<identity::JwksFetcher> fetcher)
    : client_(std::move(client)), fetch_(std::move(fetch)), fetcher_(std::move(fetcher)) {}

RelyingParty::Endpoints RelyingParty::endpoints() {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (!endpoints_ || now - discovered_at_ >= kDiscoveryLifetime) {
    endpoints_ = discover();
    discovered_at_ = now;
  }
  return *endpoints_;
}

// OpenID Connect Discovery 1.0 §4: the document must name this very issuer,
// or a provider could send the browser to another's endpoints.
RelyingParty::Endpoints RelyingParty::discover() const {
  std::string base = client_.issuer;
  while (base.ends_with('/')) base.pop_back();
  const std::string url = base + "/.well-known/openid-configuration";
  const auto text = fetcher_->fetch(url, fetch_);
  if (!text) fail(ErrorKind::io, "console sign-in: cannot read the provider's discovery document: " + text.error());
  const auto doc = json_object(*text);
  if (!doc) fail(ErrorKind::io, "console sign-in: " + url + " is not a JSON object");
  if (string_member(*doc, "issuer") != client_.issuer) {
    fail(ErrorKind::io, "console sign-in: " + url + " is the discovery document of another issuer");
  }
  Endpoints e;
  e.authorization = string_member(*doc, "authorization_endpoint").value_or("");
  e.token = string_member(*doc, "token_endpoint").value_or("");
  if (!acceptable_endpoint(e.authorization, fetch_.allow_http) || !acceptable_endpoint(e.token, fetch_.allow_http)) {
    fail(ErrorKind::io, "console sign-in: " + url + " names no https authorization_endpoint and token_endpoint");
  }
  return e;
}

std::string RelyingParty::authorization_url(const std::string& state, const std::string& nonce,
                                            const std::string& code_verifier) {
  const Endpoints e = endpoints();
  const char separator = e.authorization.find('?') == std::string::npos ? '?' : '&';
  return e.authorization + separator + "response_type=code&scope=openid&client_id=" + percent_encode(client_.client_id) +
         "&redirect_uri=" + percent_encode(client_.redirect_uri) + "&state=" + percent_encode(state) +
         "&nonce=" + percent_encode(nonce) + "&code_challenge=" + pkce_challenge(code_verifier) +
         "&code_challenge_method=S256";
}

std::string RelyingParty::redeem(const std::string& code, const std::string& code_verifier) {
  const Endpoints e = endpoints();
  std::string form = "grant_type=authorization_code&code=" + percent_encode(code) +
                     "&redirect_uri=" + percent_encode(client_.redirect_uri) +
                     "&code_verifier=" + percent_encode(code_verifier);
  std::optional<std::string> authorization;
  if (client_.client_secret) {
    // RFC 6749 §2.3.1: both halves form-encoded before the Basic encoding.
    authorization = "Basic " + encoding::base64_encode(percent_encode(client_.client_id) + ":" +
                                                       percent_encode(*client_.client_secret));
  } else {
    form += "&client_id=" + percent_encode(client_.client_id);
  }
  const auto answer = fetcher_->post_form(e.token, form, authorization, fetch_);
  if (!answer) fail(ErrorKind::io, "console sign-in: cannot reach the token endpoint: " + answer.error());
  const auto body = json_object(answer->body);
  if (answer->status != 200) {
    std::string why = "HTTP status " + std::to_string(answer->status);
    if (body && string_member(*body, "error")) {
      why = *string_member(*body, "error");
      if (auto description = string_member(*body, "error_description")) why += ": " + *description;
    }
    fail(ErrorKind::unauthenticated, "console sign-in: the provider refused the authorization code (" + quotable(why) + ")");
  }
  const auto id_token = body ? string_member(*body, "id_token") : std::nullopt;
  if (!id_token) fail(ErrorKind::unauthenticated, "console sign-in: the token endpoint answered without an id_token");
  return *id_token;
}

}  // namespace mandate::console
