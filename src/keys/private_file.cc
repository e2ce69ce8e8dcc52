#include "keys/internal/private_file.h"

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "crypto/random.h"
#include "encoding/hex.h"

namespace mandate::keys {
namespace {

using Error = std::unexpected<std::string>;

std::string describe(int error) { return std::generic_category().message(error); }

std::string failure(const std::filesystem::path& path, std::string_view action, int error) {
  return "cannot " + std::string(action) + " " + path.string() + ": " + describe(error);
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Writes all of `data`, resuming after short writes and signals.
int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// rename(2) without ever replacing `to`. Falls back to link+unlink on file
// systems that do not support RENAME_NOREPLACE.
int rename_no_replace(int dir_fd, const std::string& from, const std::string& to) {
  if (::renameat2(dir_fd, from.c_str(), dir_fd, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  if (::linkat(dir_fd, from.c_str(), dir_fd, to.c_str(), 0) != 0) return errno;
  ::unlinkat(dir_fd, from.c_str(), 0);
  return 0;
}

}  // namespace

UniqueFd::~UniqueFd() { close(); }

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

int UniqueFd::close() {
  if (fd_ < 0) return 0;
  // Linux releases the descriptor even when close fails: never retry.
  const int result = ::close(std::exchange(fd_, -1));
  return result == 0 ? 0 : errno;
}

std::expected<UniqueFd, std::string> open_directory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return Error(failure(dir, "open directory", errno));
  return fd;
}

std::expected<UniqueFd, std::string> lock_directory(const std::filesystem::path& dir) {
  auto fd = open_directory(dir);
  if (!fd) return fd;
  while (::flock(fd->get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Error(failure(dir, "lock directory", errno));
  }
  return fd;
}

std::expected<void, std::string> sync_directory(int dir_fd, const std::filesystem::path& dir) {
  if (::fsync(dir_fd) != 0) return Error(failure(dir, "sync directory", errno));
  return {};
}

std::expected<void, std::string> write_private_file(int dir_fd, const std::filesystem::path& dir,
                                                    std::string_view name, std::string_view contents) {
  const std::filesystem::path target = dir / name;
  const std::string temporary = std::string(kTemporaryPrefix) + encoding::hex_encode(crypto::random_bytes(8));
  UniqueFd fd(::openat(dir_fd, temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return Error(failure(dir / temporary, "create", errno));

  // The umask can only remove bits from 0600, but "exactly 0600" is the promise.
  int error = ::fchmod(fd.get(), 0600) == 0 ? 0 : errno;
  std::string_view action = "set the mode of";
  if (error == 0) {
    error = write_all(fd.get(), contents);
    action = "write";
  }
  if (error == 0) {
    error = ::fsync(fd.get()) == 0 ? 0 : errno;
    action = "sync";
  }
  if (error == 0) {
    error = fd.close();
    action = "close";
  }
  if (error == 0) {
    error = rename_no_replace(dir_fd, temporary, std::string(name));
    action = "rename into place";
  }
  if (error != 0) {
    ::unlinkat(dir_fd, temporary.c_str(), 0);
    return Error(failure(target, action, error));
  }
  return sync_directory(dir_fd, dir);
}

std::expected<std::string, std::string> read_private_file(int dir_fd, const std::filesystem::path& dir,
                                                          std::string_view name, std::size_t max_size) {
  const std::filesystem::path path = dir / name;
  const std::string name_text(name);
  // O_NONBLOCK so that a FIFO planted under a key's name cannot hang us
  // before fstat has a chance to refuse it.
  UniqueFd fd(::openat(dir_fd, name_text.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    if (errno == ELOOP) return Error(path.string() + " is a symbolic link; a key file must be a regular file");
    return Error(failure(path, "open", errno));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return Error(failure(path, "stat", errno));
  if (!S_ISREG(info.st_mode)) return Error(path.string() + " is not a regular file");
  if (info.st_uid != ::geteuid()) {
    return Error(path.string() + " is owned by uid " + std::to_string(info.st_uid) + ", not by this user (uid " +
                 std::to_string(::geteuid()) + ")");
  }
  if ((info.st_mode & 077) != 0) {
    return Error(path.string() + " has mode " + octal_mode(info.st_mode) +
                 ", which lets group or others at a private key; it must be 0600 (chmod 600 " + path.string() +
                 ")");
  }
  if (static_cast<std::size_t>(info.st_size) > max_size) {
    return Error(path.string() + " is " + std::to_string(info.st_size) + " bytes, too large for a key file");
  }

  std::string contents(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::read(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      wipe(contents);
      return Error(failure(path, "read", error));
    }
    if (n == 0) break;  // shrank under us; whatever is there gets parsed and judged
    done += static_cast<std::size_t>(n);
  }
  contents.resize(done);
  return contents;
}

void wipe(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace mandate::keys
