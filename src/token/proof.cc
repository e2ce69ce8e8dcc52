#include "token/proof.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "token/internal/claims_wire.h"
#include "token/internal/jwk_members.h"
#include "token/jws.h"

namespace mandate::token {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kJtiBytes = 16;

std::unexpected<ProofRejection> reject(ProofCheck check, std::string reason) {
  return std::unexpected(ProofRejection{check, std::move(reason)});
}

struct ProofClaims {
  std::string jti, htm, htu, ath;
  core::Timestamp issued_at;
};

const std::string* string_claim(const Json& payload, const char* name) {
  const auto it = payload.find(name);
  return it == payload.end() || !it->is_string() ? nullptr : &it->get_ref<const std::string&>();
}

// The claims' presence and types, read before the signature check only so
// that a structurally wrong proof is a format error; nothing is trusted yet.
std::expected<ProofClaims, ProofRejection> read_proof_claims(const Json& payload) {
  ProofClaims claims;
  for (auto [name, out] : {std::pair{"jti", &claims.jti}, {"htm", &claims.htm}, {"htu", &claims.htu}, {"ath", &claims.ath}}) {
    const std::string* value = string_claim(payload, name);
    if (value == nullptr) return reject(ProofCheck::format, std::string("the proof has no string claim \"") + name + "\"");
    *out = *value;
  }
  if (claims.jti.size() < kMinProofJti || claims.jti.size() > kMaxProofJti || !core::check_id(claims.jti)) {
    return reject(ProofCheck::format, "the proof's jti is not 16 to 256 printable characters");
  }
  auto iat = detail::read_numeric_date(payload, "iat");
  if (!iat) return reject(ProofCheck::format, "the proof: " + iat.error());
  claims.issued_at = *iat;
  return claims;
}

std::expected<PublicKey, ProofRejection> header_key(const Json& header, Algorithm algorithm,
                                                    const std::optional<PublicKey>& registered) {
  const auto jwk = header.find("jwk");
  if (jwk == header.end()) return reject(ProofCheck::key, "the proof header has no \"jwk\"");
  if (registered && jwk->is_object() && !jwk->contains("d")) {
    // The same members checks as a full parse, without building a key.
    auto members = detail::read_jwk(*jwk);
    if (members && members->algorithm == registered->algorithm() && members->algorithm == algorithm &&
        detail::canonical_public_jwk(members->algorithm, members->x, members->y) == registered->jwk_json()) {
      return *registered;
    }
  }
  auto key = PublicKey::from_jwk(*jwk);
  if (!key) return reject(ProofCheck::key, "the proof header's jwk: " + key.error());
  if (key->algorithm() != algorithm) return reject(ProofCheck::key, "the proof's jwk is not a key for its alg");
  return std::move(*key);
}

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 3986 §6.2.2.2: percent-encodings in upper case, unreserved ones decoded.
// `lower_case` (a host): every character lower case, decoded ones included,
// the hex digits of the encodings kept excepted.
std::optional<std::string> normalize_percent_encoding(std::string_view text, bool lower_case = false) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;
    if (c != '%') {
      out.push_back(static_cast<char>(lower_case ? std::tolower(c) : c));
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_digit(text[i + 1]), lo = hex_digit(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const auto decoded = static_cast<unsigned char>(hi * 16 + lo);
    if (is_unreserved(decoded)) {
      out.push_back(static_cast<char>(lower_case ? std::tolower(decoded) : decoded));
    } else {
      constexpr std::string_view kHex = "0123456789ABCDEF";
      out += {'%', kHex[static_cast<std::size_t>(hi)], kHex[static_cast<std::size_t>(lo)]};
    }
    i += 2;
  }
  return out;
}

}  // namespace

std::optional<std::string> normalize_http_uri(std::string_view uri) {
  uri = uri.substr(0, std::min(uri.find('#'), uri.size()));
  uri = uri.substr(0, std::min(uri.find('?'), uri.size()));
  const auto colon = uri.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string scheme = lower(uri.substr(0, colon));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const std::string_view rest = uri.substr(colon + 3);
  const std::size_t slash = std::min(rest.find('/'), rest.size());
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string host(authority), port;
  // A port follows the last colon, unless that colon is inside an IPv6 literal.
  if (const auto c = authority.rfind(':'); c != std::string_view::npos && authority.find(']', c) == std::string_view::npos) {
    host = std::string(authority.substr(0, c));
    port = std::string(authority.substr(c + 1));
    if (!std::ranges::all_of(port, [](char d) { return d >= '0' && d <= '9'; })) return std::nullopt;
  }
  // A colon left in the host ("h:1:" has an empty port after "h:1") is not a
  // host; only an IPv6 literal holds colons.
  if (host.empty() || (host.find(':') != std::string::npos && !(host.front() == '[' && host.back() == ']'))) {
    return std::nullopt;
  }
  if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) port.clear();
  auto normal_host = normalize_percent_encoding(host, true);
  auto normal_path = normalize_percent_encoding(path.empty() ? std::string_view("/") : path);
  if (!normal_host || !normal_path) return std::nullopt;
  return scheme + "://" + *normal_host + (port.empty() ? "" : ":" + port) + *normal_path;
}

std::string access_token_hash(std::string_view token) { return encoding::base64url_encode(crypto::sha256(token)); }

std::string make_proof(const PrivateKey& key, std::string_view token, std::string_view htm, std::string_view htu,
                       core::Timestamp now) {
  const Json header = {{"alg", to_string(key.algorithm())},
                       {"typ", "dpop+jwt"},
                       {"jwk", Json::parse(key.public_key().jwk_json())}};
  const Json payload = {{"jti", encoding::base64url_encode(crypto::random_bytes(kJtiBytes))},
                        {"iat", detail::to_numeric_date(now)},
                        {"htm", htm},
                        {"htu", htu},
                        {"ath", access_token_hash(token)}};
  return encode_compact(header, payload, [&](std::string_view input) { return key.sign(input); });
}

std::string_view to_string(ProofCheck check) {
  static constexpr std::array<std::string_view, 11> kNames{"missing", "format",  "algorithm", "type",
                                                           "key",     "signature", "binding", "token",
                                                           "htm",     "htu",       "freshness"};
  return kNames.at(static_cast<std::size_t>(check));
}

std::expected<VerifiedProof, ProofRejection> verify_proof(std::string_view proof, std::string_view token,
                                                          std::string_view expected_jkt, std::string_view htm,
                                                          std::string_view htu, const ProofOptions& options) {
  if (proof.empty()) return reject(ProofCheck::missing, "no proof of possession was presented");
  auto jws = decode_compact_checked(proof);
  if (!jws) {
    return reject(jws.error().fault == JwsFault::algorithm ? ProofCheck::algorithm : ProofCheck::format,
                  "the proof: " + jws.error().message);
  }
  auto claims = read_proof_claims(jws->payload);
  if (!claims) return std::unexpected(std::move(claims.error()));
  const std::string* typ = string_claim(jws->header, "typ");
  if (typ == nullptr || !media_type_is(*typ, "dpop+jwt")) return reject(ProofCheck::type, "the proof's typ is not dpop+jwt");
  auto key = header_key(jws->header, jws->algorithm, options.registered_key);
  if (!key) return std::unexpected(std::move(key.error()));
  if (!key->verify(jws->signing_input, jws->signature)) return reject(ProofCheck::signature, "the proof's signature is not valid");

  if (key->thumbprint() != expected_jkt) return reject(ProofCheck::binding, "the proof is signed by a key the mandate is not bound to");
  if (claims->ath != (options.token_ath ? *options.token_ath : access_token_hash(token))) return reject(ProofCheck::token, "the proof was made for another token");
  if (options.profile == ProofProfile::http) {
    if (claims->htm != htm) return reject(ProofCheck::htm, "the proof was made for another HTTP method");
    const auto expected = normalize_http_uri(htu);
    const auto presented = normalize_http_uri(claims->htu);
    if (!presented || !expected || *presented != *expected) {
      return reject(ProofCheck::htu, "the proof was made for another HTTP URI");
    }
  } else {
    if (claims->htm != htm) return reject(ProofCheck::htm, "the proof was made for another action");
    if (claims->htu != htu) return reject(ProofCheck::htu, "the proof was made for another resource");
  }
  if (claims->issued_at > options.now + options.skew) return reject(ProofCheck::freshness, "the proof's iat is in the future");
  if (claims->issued_at + options.max_age + options.skew < options.now) {
    return reject(ProofCheck::freshness, "the proof is older than " + std::to_string(options.max_age.count()) + " s");
  }
  return VerifiedProof{std::move(claims->jti), claims->issued_at, key->thumbprint()};
}

}  // namespace mandate::token
