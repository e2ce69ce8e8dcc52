#include "token/jws.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "encoding/base64.h"
#include "encoding/json.h"

namespace mandate::token {
namespace {

using Refusal = std::unexpected<std::string>;

// Deep enough for an `act` chain and authorization details, shallow enough
// that nesting cannot be used to make parsing expensive.
constexpr int kMaxJsonDepth = 32;

std::string as_text(const encoding::Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

// parse_json_strict's errors start with "line L, column C: " and may then
// quote the input; only the position is kept.
std::string position_only(const std::string& error) {
  const auto colon = error.find(':');
  return colon == std::string::npos ? error : error.substr(0, colon);
}

std::expected<nlohmann::json, std::string> json_object(const std::string& text, const char* part) {
  auto json = encoding::parse_json_strict(text, kMaxJsonDepth);
  if (!json) return Refusal(std::string("the ") + part + " is not strict JSON (" + position_only(json.error()) + ")");
  if (!json->is_object()) return Refusal(std::string("the ") + part + " is not a JSON object");
  return std::move(*json);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::expected<CompactParts, std::string> split_compact(std::string_view compact, std::size_t max_size) {
  if (compact.empty()) return Refusal("the JWS is empty");
  if (compact.size() > max_size) {
    return Refusal("the JWS is " + std::to_string(compact.size()) + " bytes; at most " + std::to_string(max_size) +
                   " are accepted");
  }
  const auto first = compact.find('.');
  const auto second = first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
    const auto dots = std::count(compact.begin(), compact.end(), '.');
    return Refusal("the JWS has " + std::to_string(dots + 1) + " parts; a compact JWS has exactly 3");
  }
  static constexpr std::array<const char*, 3> kNames{"header", "payload", "signature"};
  const std::array<std::string_view, 3> texts{compact.substr(0, first), compact.substr(first + 1, second - first - 1),
                                              compact.substr(second + 1)};
  std::array<std::string, 3> decoded;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    // An empty signature is left for the signature check to refuse, so that
    // an unsecured JWS ("alg":"none") is reported as an algorithm problem.
    if (texts[i].empty() && i < 2) return Refusal(std::string("the JWS ") + kNames[i] + " is empty");
    auto bytes = encoding::base64url_decode(texts[i]);
    if (!bytes) return Refusal(std::string("the JWS ") + kNames[i] + " is not unpadded base64url");
    decoded[i] = as_text(*bytes);
  }
  return CompactParts{std::move(decoded[0]), std::move(decoded[1]), std::string(compact.substr(0, second)),
                      std::move(decoded[2])};
}

std::expected<DecodedJws, JwsError> decode_compact_checked(std::string_view compact) {
  const auto format = [](std::string message) { return std::unexpected(JwsError{JwsFault::format, std::move(message)}); };
  auto parts = split_compact(compact);
  if (!parts) return format(parts.error());
  auto header = json_object(parts->header_json, "JWS header");
  if (!header) return format(header.error());
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return format("the JWS header has no string \"alg\"");
  const auto algorithm = parse_algorithm(alg->get_ref<const std::string&>());
  if (!algorithm) {
    return std::unexpected(
        JwsError{JwsFault::algorithm, "the JWS \"alg\" is not EdDSA (Ed25519) or ES256, the only algorithms accepted"});
  }
  if (header->contains("crit")) return format("the JWS header has \"crit\"; mandate understands no JWS extension");
  auto payload = json_object(parts->payload, "JWS payload");
  if (!payload) return format(payload.error());
  return DecodedJws{std::move(*header), std::move(*payload), std::move(parts->signing_input),
                    std::move(parts->signature), *algorithm};
}

std::expected<DecodedJws, std::string> decode_compact(std::string_view compact) {
  auto decoded = decode_compact_checked(compact);
  if (!decoded) return Refusal(std::move(decoded.error().message));
  return std::move(*decoded);
}

std::string sign_compact(std::string_view header_json, std::string_view payload, const Signer& sign) {
  std::string out = encoding::base64url_encode(header_json);
  out += '.';
  out += encoding::base64url_encode(payload);
  const std::string signature = sign(out);
  out += '.';
  out += encoding::base64url_encode(signature);
  return out;
}

std::string encode_compact(const nlohmann::json& header, const nlohmann::json& payload, const Signer& sign) {
  return sign_compact(header.dump(), payload.dump(), sign);
}

bool media_type_is(std::string_view typ, std::string_view expected) {
  constexpr std::string_view kPrefix = "application/";
  if (typ.size() > kPrefix.size() && iequals(typ.substr(0, kPrefix.size()), kPrefix)) typ.remove_prefix(kPrefix.size());
  return iequals(typ, expected);
}

}  // namespace mandate::token
