#include "encoding/base64.h"

#include <array>

namespace mandate::encoding {
namespace {

constexpr std::string_view kStd =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::span<const std::uint8_t> in, std::string_view alphabet, bool pad) {
  const std::size_t whole = in.size() / 3, rest = in.size() % 3;
  const std::size_t length = whole * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1);
  // Written in place: appending a character at a time cost as much as the
  // encoding itself (signing a token encodes twice its size).
  std::string out(length, '=');
  char* o = out.data();
  const std::uint8_t* p = in.data();
  for (std::size_t n = 0; n < whole; ++n, p += 3) {
    const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
    *o++ = alphabet[(v >> 18) & 63];
    *o++ = alphabet[(v >> 12) & 63];
    *o++ = alphabet[(v >> 6) & 63];
    *o++ = alphabet[v & 63];
  }
  if (rest != 0) {
    const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (rest == 2 ? std::uint32_t{p[1]} << 8 : 0);
    *o++ = alphabet[(v >> 18) & 63];
    *o++ = alphabet[(v >> 12) & 63];
    if (rest == 2) *o++ = alphabet[(v >> 6) & 63];
  }
  return out;  // any padding is already there
}

std::array<int, 256> reverse(std::string_view alphabet) {
  std::array<int, 256> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  }
  return table;
}

std::optional<Bytes> decode(std::string_view text, std::string_view alphabet, bool padded) {
  static const std::array<int, 256> std_table = reverse(kStd);
  static const std::array<int, 256> url_table = reverse(kUrl);
  const auto& table = alphabet == kStd ? std_table : url_table;

  std::size_t len = text.size();
  if (padded) {
    if (len % 4 != 0) return std::nullopt;
    std::size_t pads = 0;
    while (pads < 2 && len > 0 && text[len - 1] == '=') {
      --len;
      ++pads;
    }
  }
  if (len % 4 == 1) return std::nullopt;
  Bytes out;
  out.reserve(len * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < len; ++i) {
    const int v = table[static_cast<unsigned char>(text[i])];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, otherwise two texts would decode the same.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> data) { return encode(data, kStd, true); }
std::string base64url_encode(std::span<const std::uint8_t> data) { return encode(data, kUrl, false); }
std::optional<Bytes> base64_decode(std::string_view text) { return decode(text, kStd, true); }
std::optional<Bytes> base64url_decode(std::string_view text) { return decode(text, kUrl, false); }

}  // namespace mandate::encoding
