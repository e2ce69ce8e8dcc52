#include "encoding/url.h"

namespace mandate::encoding {

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' || byte == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

std::string change_url(std::string_view url_template, std::string_view reference) {
  constexpr std::string_view kPlaceholder = "{reference}";
  const std::string encoded = percent_encode(reference);
  std::string url;
  std::size_t from = 0;
  for (auto at = url_template.find(kPlaceholder); at != std::string_view::npos; at = url_template.find(kPlaceholder, from)) {
    url.append(url_template.substr(from, at - from)).append(encoded);
    from = at + kPlaceholder.size();
  }
  return url.append(url_template.substr(from));
}

}  // namespace mandate::encoding
