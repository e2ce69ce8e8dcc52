#include "home/internal/home_copy.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "ledger/verify.h"
#include "store/sqlite/sqlite_backup.h"

namespace mandate::home {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfigFile = "config.toml";
constexpr const char* kKeysDir = "keys";
// Read by `mandate analyze` from the home when present: part of what the
// home is configured to do, so it travels with it.
constexpr const char* kAnalyzeConfigFile = "analyze.toml";

std::string system_error(int error) { return std::strerror(error); }

// Owns one file descriptor.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Closes now, reporting the error close() gives (which matters after writes).
  bool close() { return ::close(std::exchange(fd_, -1)) == 0; }

 private:
  int fd_;
};

void sync_path(const fs::path& path, int flags) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags));
  if (!fd || ::fsync(fd.get()) != 0) fail(ErrorKind::io, "cannot sync " + path.string() + ": " + system_error(errno));
}

void sync_directory(const fs::path& dir) { sync_path(dir, O_DIRECTORY); }

// Every file and directory under `root`, and `root` itself.
void sync_tree(const fs::path& root) {
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_symlink()) continue;
    if (entry.is_directory()) {
      sync_directory(entry.path());
    } else if (entry.is_regular_file()) {
      sync_path(entry.path(), 0);
    }
  }
  sync_directory(root);
}

void make_private_directory(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0) fail(ErrorKind::io, "cannot create " + dir.string() + ": " + system_error(errno));
  // mkdir's mode passes through the umask; the keyring wants exactly 0700.
  if (::chmod(dir.c_str(), 0700) != 0) fail(ErrorKind::io, "cannot set the mode of " + dir.string());
}

// Copies one file into a new file of mode 0600, by the kernel (sendfile),
// so the bytes of a private key never enter this process. Refuses symbolic
// links and anything but a regular file: the home's own files are neither.
void copy_private_file(const fs::path& from, const fs::path& to) {
  FileDescriptor in(::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) fail(ErrorKind::io, "cannot read " + from.string() + ": " + system_error(errno));
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) fail(ErrorKind::io, "cannot read " + from.string() + ": " + system_error(errno));
  if (!S_ISREG(st.st_mode)) fail(ErrorKind::bad_input, from.string() + " is not a regular file");

  FileDescriptor out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out) fail(ErrorKind::io, "cannot create " + to.string() + ": " + system_error(errno));
  if (::fchmod(out.get(), 0600) != 0) fail(ErrorKind::io, "cannot set the mode of " + to.string());
  for (;;) {
    const ssize_t sent = ::sendfile(out.get(), in.get(), nullptr, 1 << 20);
    if (sent == 0) break;
    if (sent < 0 && errno != EINTR) fail(ErrorKind::io, "cannot copy " + from.string() + ": " + system_error(errno));
  }
  if (::fsync(out.get()) != 0 || !out.close()) fail(ErrorKind::io, "cannot write " + to.string());
}

// The key files, and only they: names starting with '.' are temporary files
// of an interrupted write, which the keyring ignores too.
void copy_keys(const fs::path& from, const fs::path& to) {
  make_private_directory(to);
  for (const fs::directory_entry& entry : fs::directory_iterator(from)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".")) continue;
    copy_private_file(entry.path(), to / name);
  }
}

}  // namespace

fs::path without_trailing_slash(const fs::path& dir) {
  const fs::path normal = dir.lexically_normal();
  return normal.filename().empty() && normal.has_parent_path() ? normal.parent_path() : normal;
}

StagingDir::StagingDir(const fs::path& target) : target_(without_trailing_slash(target)) {
  fs::path parent = target_.parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent)) {
    fail(ErrorKind::bad_input, "the directory " + parent.string() + " that would hold " + target_.string() +
                                   " does not exist");
  }
  std::string pattern = (parent / ("." + target_.filename().string() + ".partial-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    fail(ErrorKind::io, "cannot create a staging directory beside " + target_.string() + ": " + system_error(errno));
  }
  path_ = pattern;
}

StagingDir::~StagingDir() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void StagingDir::commit(bool replace_empty_directory) {
  sync_tree(path_);
  const int renamed = replace_empty_directory
                          ? ::rename(path_.c_str(), target_.c_str())
                          : ::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE);
  if (renamed != 0) {
    const int error = errno;
    if (error == EEXIST || error == ENOTEMPTY) {
      fail(ErrorKind::conflict, target_.string() + " appeared while the copy was being made; the copy was discarded");
    }
    fail(ErrorKind::io, "cannot rename the copy to " + target_.string() + ": " + system_error(error));
  }
  committed_ = true;
  sync_directory(target_.has_parent_path() ? target_.parent_path() : fs::path("."));
}

fs::path store_path_in_home(const Config& config, const fs::path& home_dir) {
  const std::string config_file = (home_dir / kConfigFile).string();
  if (config.store.backend != "sqlite") {
    fail(ErrorKind::bad_input, config_file + ": the store is \"" + config.store.backend +
                                   "\"; backup and restore copy a SQLite home only: back that database up with "
                                   "its own tools (pg_dump), and config.toml and keys/ with it");
  }
  const fs::path relative = fs::path(config.store.path).lexically_normal();
  if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") {
    fail(ErrorKind::bad_input, config_file + ": store.path \"" + config.store.path +
                                   "\" lies outside the home, so a copy of the home would not hold the store");
  }
  return relative;
}

void copy_home(const fs::path& from, const Config& config, const fs::path& to, int pages_per_step) {
  const fs::path store = store_path_in_home(config, from);
  if (store.has_parent_path()) {
    fs::path dir = to;
    for (const fs::path& part : store.parent_path()) make_private_directory(dir /= part);
  }
  // The store first, keys after: a key rotated while the store is copied is
  // then in the copy too, so every checkpoint the copy holds verifies there.
  store::copy_sqlite_database((from / store).string(), (to / store).string(), {.pages_per_step = pages_per_step});
  copy_keys(from / kKeysDir, to / kKeysDir);
  copy_private_file(from / kConfigFile, to / kConfigFile);
  if (fs::exists(from / kAnalyzeConfigFile)) copy_private_file(from / kAnalyzeConfigFile, to / kAnalyzeConfigFile);
}

CopyProof prove_copy(Home& copy, const std::string& what) {
  const std::string& origin = copy.config().origin;
  const std::vector<ledger::NoteVerifier> verifiers = copy.verifiers();
  const ledger::VerifyReport report = ledger::verify_ledger(copy.store(), origin, verifiers);
  if (!report.ok) {
    fail(ErrorKind::check_failed,
         what + " does not verify: " + report.problem +
             (report.first_bad_index ? " (first bad entry " + std::to_string(*report.first_bad_index) + ")" : ""));
  }
  const std::vector<store::StoredCheckpoint> stored = copy.store().checkpoints();
  if (stored.empty()) {
    fail(ErrorKind::check_failed, what + " holds no signed checkpoint, so nothing signed vouches for its ledger "
                                         "(a backup made by `mandate backup` always holds one)");
  }
  const store::StoredCheckpoint& last = stored.back();
  auto checkpoint = ledger::open_checkpoint(last.note, origin, verifiers);
  if (!checkpoint) {
    fail(ErrorKind::check_failed, what + ": its last checkpoint (size " + std::to_string(last.size) +
                                      ") does not verify with the home's keys: " + checkpoint.error());
  }
  if (checkpoint->size > report.size || copy.ledger().root(checkpoint->size) != checkpoint->root) {
    fail(ErrorKind::check_failed, what + ": its ledger does not reproduce the root its last checkpoint (size " +
                                      std::to_string(checkpoint->size) + ") signs");
  }
  return CopyProof{report.size, report.root, report.checkpoints_checked, *checkpoint, last.note};
}

}  // namespace mandate::home
