#include "console/assets.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <utility>

#include "console/internal/embedded_files.h"
#include "core/error.h"

namespace mandate::console {
namespace {

constexpr std::string_view kIndex = "index.html";

bool acceptable_segment(std::string_view segment) {
  return !segment.empty() && !segment.starts_with('.') && segment.find('\\') == std::string_view::npos &&
         segment.find('\0') == std::string_view::npos;
}

// Every '/'-separated segment acceptable: nothing climbs out of the folder.
bool acceptable_path(std::string_view path) {
  while (true) {
    const auto slash = path.find('/');
    if (!acceptable_segment(path.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

std::string_view extension_of(std::string_view path) {
  const auto slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

}  // namespace

std::string_view content_type_of(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> kTypes{{
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"ico", "image/x-icon"},
      {"webp", "image/webp"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"txt", "text/plain; charset=utf-8"},
  }};
  const std::string_view extension = extension_of(path);
  for (const auto& [ext, type] : kTypes) {
    if (ext == extension) return type;
  }
  return "application/octet-stream";
}

std::string_view cache_control_of(std::string_view path) {
  if (path == kIndex) return "no-store";
  if (path.starts_with("assets/")) return "public, max-age=31536000, immutable";
  return "no-cache";
}

Assets Assets::built_in() { return Assets(std::nullopt); }

Assets Assets::from_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    fail(ErrorKind::bad_input, "console.assets_dir: " + dir.string() + " is not a directory");
  }
  return Assets(dir);
}

std::size_t Assets::file_count() const {
  if (!dir_) return embedded_files().size();
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(*dir_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) ++n;
  }
  return n;
}

std::optional<std::string> Assets::read(std::string_view relative) const {
  if (!dir_) {
    const auto files = embedded_files();
    const auto it = std::find_if(files.begin(), files.end(), [&](const EmbeddedFile& f) { return f.path == relative; });
    if (it == files.end()) return std::nullopt;
    return std::string(it->bytes);
  }
  const std::filesystem::path file = *dir_ / std::filesystem::path(std::string(relative));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::optional<AssetFile> Assets::find(std::string_view relative) const {
  if (relative.empty()) relative = kIndex;
  if (!acceptable_path(relative)) return std::nullopt;
  auto bytes = read(relative);
  if (!bytes) return std::nullopt;
  return AssetFile{std::string(content_type_of(relative)), std::move(*bytes), std::string(cache_control_of(relative))};
}

std::optional<AssetFile> Assets::page(std::string_view relative) const {
  if (auto file = find(relative)) return file;
  const auto slash = relative.rfind('/');
  const std::string_view last = slash == std::string_view::npos ? relative : relative.substr(slash + 1);
  if (last.find('.') != std::string_view::npos) return std::nullopt;
  return find(kIndex);
}

}  // namespace mandate::console
