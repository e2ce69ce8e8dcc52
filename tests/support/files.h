#pragma once
// Scratch directories and whole-file reads and writes, for every test.
#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace mandate::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it
// when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The whole file ("" when it cannot be read).
std::string read_file(const std::filesystem::path& path);
// Replaces the file's contents; throws when it cannot be written.
void write_file(const std::filesystem::path& path, std::string_view text);
// The same, then sets the permission bits to `mode`.
void write_file(const std::filesystem::path& path, std::string_view text, mode_t mode);

}  // namespace mandate::testing
