#include "notify/internal/signing.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/error.h"
#include "encoding/base64.h"

namespace mandate::notify {

std::expected<std::vector<std::uint8_t>, std::string> parse_secret(std::string_view text) {
  constexpr std::string_view kPrefix = "whsec_";
  if (!text.starts_with(kPrefix)) return std::unexpected("a webhook secret starts with \"whsec_\"");
  auto key = encoding::base64_decode(text.substr(kPrefix.size()));
  if (!key) return std::unexpected("a webhook secret is \"whsec_\" followed by standard (padded) base64");
  if (key->size() < 24 || key->size() > 64) {
    return std::unexpected("a webhook secret holds 24 to 64 random bytes; this one holds " +
                           std::to_string(key->size()));
  }
  return std::move(*key);
}

std::string sign(std::span<const std::uint8_t> key, std::string_view msg_id, std::int64_t timestamp,
                 std::string_view body) {
  const std::string content = std::string(msg_id) + "." + std::to_string(timestamp) + "." + std::string(body);
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // OpenSSL's one-shot HMAC (not deprecated in 3.x, unlike HMAC_CTX).
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(content.data()),
           content.size(), mac, &length) == nullptr) {
    fail(ErrorKind::internal, "OpenSSL refused HMAC-SHA256");
  }
  return "v1," + encoding::base64_encode(std::span<const std::uint8_t>(mac, length));
}

}  // namespace mandate::notify
