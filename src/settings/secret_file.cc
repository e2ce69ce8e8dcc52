#include "settings/secret_file.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace mandate::settings {

std::optional<std::string> read_secret_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back()))) secret.pop_back();
  return secret;
}

}  // namespace mandate::settings
