#pragma once
// Private to the home module: the build defines MANDATE_INSIDE_HOME only for src/home/ and tests/home/.
#ifndef MANDATE_INSIDE_HOME
#error "this header is internal to the home module; include a public home/ header instead"
#endif
// The parts backup and restore share: a staging directory that becomes the
// copy only when it is complete, the copy of a home's files into it, and
// the proof that a copied home is sound.
#include <filesystem>
#include <string>

#include "home/backup.h"
#include "home/config.h"
#include "home/home.h"

namespace mandate::home {

// `dir/` and `dir/.` name `dir`: the form rename(2) and sibling names need.
std::filesystem::path without_trailing_slash(const std::filesystem::path& dir);

// A fresh directory (mode 0700) beside `target`, named after it, that is
// removed with everything in it unless it is committed: renamed to
// `target`, which must still not exist then.
class StagingDir {
 public:
  explicit StagingDir(const std::filesystem::path& target);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Syncs every file and directory in it, renames it to the target and
  // syncs the parent, so the copy survives a crash. The rename never
  // replaces anything, except an empty directory when
  // `replace_empty_directory` (which rename(2) does atomically).
  void commit(bool replace_empty_directory = false);

 private:
  std::filesystem::path target_;
  std::filesystem::path path_;
  bool committed_ = false;
};

// Where the store lies in a home, relative to it, from its config. Only a
// SQLite store inside the home can be copied with it: anything else is
// Error{bad_input}.
std::filesystem::path store_path_in_home(const Config& config, const std::filesystem::path& home_dir);

// Copies the home at `from` into the empty directory `to`: the store through
// SQLite's online backup API (one snapshot, writers not blocked), then the
// signing keys (files 0600, directory 0700), config.toml and the optional
// analyze.toml, each synced. Files are copied by the kernel (sendfile), so
// the private keys never pass through this process's memory.
void copy_home(const std::filesystem::path& from, const Config& config, const std::filesystem::path& to,
               int pages_per_step);

// Proves a copied home sound: the full ledger verification passes, and its
// root at its last stored checkpoint's size is the one that checkpoint
// signs, under one of the copy's keys (which came from the home). `what`
// names the copy in messages. Error{check_failed} when it does not prove.
CopyProof prove_copy(Home& copy, const std::string& what);

}  // namespace mandate::home
