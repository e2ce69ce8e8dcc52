#pragma once
// The console's pages: the files of web/dist, built into the binary at
// build time (so the console works offline and needs no CDN), or read from
// a directory while developing them ([console] assets_dir).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace mandate::console {

struct AssetFile {
  std::string content_type;
  std::string body;
  std::string cache_control;
};

class Assets {
 public:
  static Assets built_in();
  // Error{bad_input} when `dir` is not a readable directory.
  static Assets from_directory(const std::filesystem::path& dir);

  // The file at `relative` ("app.js", "assets/index-3f2a.css"; "" is
  // index.html), or nullopt. A path with an empty, "." or ".." segment, a
  // hidden file, or a backslash names nothing.
  std::optional<AssetFile> find(std::string_view relative) const;
  // What /console/<path> answers: the file, or index.html for a path whose
  // last segment has no dot (a page of the client-side router), else nullopt.
  std::optional<AssetFile> page(std::string_view relative) const;
  std::size_t file_count() const;

 private:
  explicit Assets(std::optional<std::filesystem::path> dir) : dir_(std::move(dir)) {}
  std::optional<std::string> read(std::string_view relative) const;
  std::optional<std::filesystem::path> dir_;
};

// By extension: text/html; charset=utf-8, text/javascript; charset=utf-8, …;
// application/octet-stream when unknown.
std::string_view content_type_of(std::string_view path);
// index.html is never cached (it names the current assets); files under
// assets/ carry a content hash in their names (the web build's convention)
// and are cached for a year; anything else is revalidated.
std::string_view cache_control_of(std::string_view path);

}  // namespace mandate::console
