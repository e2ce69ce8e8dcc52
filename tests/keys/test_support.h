#pragma once
// Helpers shared by the keys tests: a scratch directory and small file chores.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>

#include "support/files.h"

namespace mandate::keys::testing {

using mandate::testing::read_file;
using mandate::testing::TempDir;

// Key files are written owner-only unless a test says otherwise.
inline void write_file(const std::filesystem::path& path, std::string_view contents, mode_t mode = 0600) {
  mandate::testing::write_file(path, contents, mode);
}

inline mode_t permission_bits(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw std::runtime_error("cannot stat " + path.string());
  return info.st_mode & 07777;
}

// Names of the regular entries of `dir`, sorted.
inline std::vector<std::string> file_names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::ranges::sort(names);
  return names;
}

// Runs a shell command and returns its exit status (-1 if it did not exit).
inline int run(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

inline bool have_openssl_cli() { return run("command -v openssl >/dev/null 2>&1") == 0; }

// Every base64 body line of a PEM, which must appear in no error message.
inline std::vector<std::string> pem_body_lines(const std::string& pem) {
  std::vector<std::string> lines;
  std::istringstream in(pem);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && !line.starts_with("-----")) lines.push_back(line);
  }
  return lines;
}

}  // namespace mandate::keys::testing
