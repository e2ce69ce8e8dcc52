#pragma once
// Private to the keys module: the build defines MANDATE_INSIDE_KEYS only for src/keys/ and tests/keys/.
#ifndef MANDATE_INSIDE_KEYS
#error "this header is internal to the keys module; include a public keys/ header instead"
#endif
// Files that hold secrets: created 0600, atomically and durably; read only
// when nobody but their owner can reach them. Internal to keys/.
//
// Written with POSIX calls rather than std::filesystem because the guarantees
// live in details it does not expose: O_EXCL|O_NOFOLLOW, fchmod on the open
// descriptor, fsync of file and directory, rename that never replaces, and
// checks made with fstat on the descriptor actually read (no check-then-open
// race).
#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace mandate::keys {

// Owns one file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Closes now and reports the error close() gave, which matters after writes.
  int close();

 private:
  int fd_ = -1;
};

// Opens `dir` for the *at() calls below.
std::expected<UniqueFd, std::string> open_directory(const std::filesystem::path& dir);

// Opens `dir` and holds an exclusive flock on it until the descriptor closes,
// so that two processes never hand out the same sequence number.
std::expected<UniqueFd, std::string> lock_directory(const std::filesystem::path& dir);

// fsync of a directory, which makes the names created in it durable.
std::expected<void, std::string> sync_directory(int dir_fd, const std::filesystem::path& dir);

// Creates `dir/name` holding `contents`, with mode exactly 0600. The file is
// written under a temporary name, synced, renamed into place (never over an
// existing file) and the directory synced: afterwards it either exists
// complete and durable, or not at all. Errors name the file, never contents.
std::expected<void, std::string> write_private_file(int dir_fd, const std::filesystem::path& dir,
                                                    std::string_view name, std::string_view contents);

// Reads `dir/name`, refusing symbolic links, anything but a regular file, a
// file owned by another user, one with any group or other permission bit, and
// one larger than `max_size`.
std::expected<std::string, std::string> read_private_file(int dir_fd, const std::filesystem::path& dir,
                                                          std::string_view name, std::size_t max_size);

// Temporary files that write_private_file() leaves behind if the process dies
// between creating and renaming them start with this.
inline constexpr std::string_view kTemporaryPrefix = ".tmp-";

// Overwrites a string that held a secret before its memory is released.
void wipe(std::string& secret);

}  // namespace mandate::keys
