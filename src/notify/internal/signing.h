#pragma once
// Private to the notify module: the build defines MANDATE_INSIDE_NOTIFY only for src/notify/ and tests/notify/.
#ifndef MANDATE_INSIDE_NOTIFY
#error "this header is internal to the notify module; include a public notify/ header instead"
#endif
// Standard Webhooks signatures (standardwebhooks.com, spec 1.0.0, the
// symmetric scheme): the secret is "whsec_" + base64 of the key; the signed
// content is "<webhook-id>.<webhook-timestamp>.<body>"; the signature is
// HMAC-SHA256 over it, sent as "v1,<base64>" in webhook-signature.
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mandate::notify {

// The key of a secret "whsec_" + base64 of 24 to 64 bytes (the spec's
// bounds). The error never quotes the text.
std::expected<std::vector<std::uint8_t>, std::string> parse_secret(std::string_view text);

// "v1," + base64(HMAC-SHA256(key, msg_id + "." + timestamp + "." + body)).
std::string sign(std::span<const std::uint8_t> key, std::string_view msg_id, std::int64_t timestamp,
                 std::string_view body);

}  // namespace mandate::notify
