#include "console/config.h"

#include "encoding/url.h"

namespace mandate::console {

std::optional<std::string> change_url(const ConsoleConfig& config, const std::string& reference) {
  if (!config.change_url_template) return std::nullopt;
  constexpr std::string_view kPlaceholder = "{reference}";
  std::string url = *config.change_url_template;
  const std::string encoded = encoding::percent_encode(reference);
  for (auto at = url.find(kPlaceholder); at != std::string::npos; at = url.find(kPlaceholder, at + encoded.size())) {
    url.replace(at, kPlaceholder.size(), encoded);
  }
  return url;
}

}  // namespace mandate::console
