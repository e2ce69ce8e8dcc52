#pragma once
// Compact JWS (RFC 7515 §7.1), strict in what it reads.
//
// DecodedJws holds nlohmann::json values, so this header includes
// <nlohmann/json.hpp>. It is meant for the token module and its tests; the
// headers the rest of mandate uses (mandate_token.h, proof.h) do not include
// it.
#include <cstddef>
#include <expected>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "token/public_key.h"

namespace mandate::token {

// No mandate token or proof comes near this; the bound keeps a flood of
// oversized input from costing more than a length check.
inline constexpr std::size_t kMaxCompactSize = 16 * 1024;

// The three parts, base64url-decoded, before any JSON is read.
struct CompactParts {
  std::string header_json;
  std::string payload;
  std::string signing_input;  // ASCII(BASE64URL(header) "." BASE64URL(payload))
  std::string signature;
};

// Exactly three parts, each strict unpadded base64url, at most `max_size`
// bytes in all. The signature is not checked.
std::expected<CompactParts, std::string> split_compact(std::string_view compact,
                                                       std::size_t max_size = kMaxCompactSize);

struct DecodedJws {
  nlohmann::json header;   // a JSON object
  nlohmann::json payload;  // a JSON object (a JWT claims set)
  std::string signing_input;
  std::string signature;
  Algorithm algorithm;  // from the header's "alg"
};

// Why decode_compact refused: the shape of the JWS, or its algorithm.
enum class JwsFault { format, algorithm };
struct JwsError {
  JwsFault fault;
  std::string message;
};

// split_compact, then header and payload as strict I-JSON objects (duplicate
// member names refused), "alg" present and EdDSA or ES256 ("none" and every
// other value refused), "crit" refused (mandate understands no extension).
// Does NOT verify the signature. Errors never quote the input.
std::expected<DecodedJws, std::string> decode_compact(std::string_view compact);
std::expected<DecodedJws, JwsError> decode_compact_checked(std::string_view compact);

using Signer = std::function<std::string(std::string_view signing_input)>;

// BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(sign(signing input)).
// `header_json` and `payload` are used byte for byte.
std::string sign_compact(std::string_view header_json, std::string_view payload, const Signer& sign);
// The same with JSON serialised compactly (members in lexicographic order).
std::string encode_compact(const nlohmann::json& header, const nlohmann::json& payload, const Signer& sign);

// A "typ" value compared as RFC 7515 §4.1.9 says: case-insensitively, with
// the "application/" prefix optional. `expected` is the short form.
bool media_type_is(std::string_view typ, std::string_view expected);

}  // namespace mandate::token
