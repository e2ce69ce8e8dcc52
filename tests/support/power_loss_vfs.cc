#include "support/power_loss_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>

namespace mandate::testing {
namespace {

constexpr std::uint64_t kBlock = 4096;

// One file as the page cache holds it: its contents, and which blocks (and
// whether its size) differ from what is on the disk.
struct Image {
  std::string data;
  std::set<std::uint64_t> dirty;
  bool size_dirty = false;
};

struct State {
  std::mutex mu;
  sqlite3_vfs* base = nullptr;
  sqlite3_vfs vfs{};
  std::map<std::string, std::shared_ptr<Image>> images;  // by full path
  std::map<std::string, std::uint64_t> syncs;
  bool failed = false;
  std::uint64_t io = 0;       // writes and syncs since fail_power_at
  std::uint64_t fail_at = 0;  // 0: never
  int open_files = 0;
};

State* g_state = nullptr;

// A file of the shim; the real VFS's file lives right after it.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  std::shared_ptr<Image>* image;  // null for files that are not buffered
  std::string* path;
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

// Counts one write or sync; true when the power fails at it. Under mu.
bool power_fails_now(State& s) {
  if (s.failed) return true;
  if (s.fail_at != 0 && ++s.io >= s.fail_at) {
    s.failed = true;
    s.images.clear();  // unsynced data is gone; what is on disk stays
    return true;
  }
  return false;
}

int x_close(sqlite3_file* f) {
  File* file = reinterpret_cast<File*>(f);
  const int rc = file->real->pMethods->xClose(file->real);
  std::lock_guard lock(g_state->mu);
  delete file->image;  // the page cache keeps the image (in images) until synced or lost
  delete file->path;
  --g_state->open_files;
  return rc;
}

int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  File* file = reinterpret_cast<File*>(f);
  if (file->image == nullptr) return file->real->pMethods->xRead(file->real, buf, amount, offset);
  std::lock_guard lock(g_state->mu);
  if (g_state->failed) return SQLITE_IOERR_READ;
  const std::string& data = (*file->image)->data;
  const auto off = static_cast<std::uint64_t>(offset);
  const std::uint64_t have = off < data.size() ? std::min<std::uint64_t>(data.size() - off, static_cast<std::uint64_t>(amount)) : 0;
  if (have > 0) std::memcpy(buf, data.data() + off, have);
  if (have < static_cast<std::uint64_t>(amount)) {
    // SQLite's contract: a short read fills the rest with zeros.
    std::memset(static_cast<char*>(buf) + have, 0, static_cast<std::size_t>(amount) - have);
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  File* file = reinterpret_cast<File*>(f);
  if (file->image == nullptr) return file->real->pMethods->xWrite(file->real, buf, amount, offset);
  std::lock_guard lock(g_state->mu);
  if (power_fails_now(*g_state)) return SQLITE_IOERR_WRITE;
  Image& image = **file->image;
  const auto off = static_cast<std::uint64_t>(offset);
  const auto end = off + static_cast<std::uint64_t>(amount);
  if (image.data.size() < end) {
    image.data.resize(end, '\0');
    image.size_dirty = true;
  }
  std::memcpy(image.data.data() + off, buf, static_cast<std::size_t>(amount));
  for (std::uint64_t b = off / kBlock; b * kBlock < end; ++b) image.dirty.insert(b);
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  File* file = reinterpret_cast<File*>(f);
  if (file->image == nullptr) return file->real->pMethods->xTruncate(file->real, size);
  std::lock_guard lock(g_state->mu);
  if (g_state->failed) return SQLITE_IOERR_TRUNCATE;
  Image& image = **file->image;
  image.data.resize(static_cast<std::size_t>(size), '\0');
  image.size_dirty = true;
  image.dirty.erase(image.dirty.lower_bound((static_cast<std::uint64_t>(size) + kBlock - 1) / kBlock), image.dirty.end());
  return SQLITE_OK;
}

// Writes the file's dirty blocks and size to the real file. (No real fsync:
// the real file stands for the disk, and no real power fails here.)
int x_sync(sqlite3_file* f, int flags) {
  File* file = reinterpret_cast<File*>(f);
  if (file->image == nullptr) return file->real->pMethods->xSync(file->real, flags);
  std::lock_guard lock(g_state->mu);
  if (power_fails_now(*g_state)) return SQLITE_IOERR_FSYNC;
  Image& image = **file->image;
  sqlite3_file* real = file->real;
  for (const std::uint64_t b : image.dirty) {
    const std::uint64_t begin = b * kBlock;
    if (begin >= image.data.size()) break;
    const auto n = static_cast<int>(std::min<std::uint64_t>(kBlock, image.data.size() - begin));
    if (const int rc = real->pMethods->xWrite(real, image.data.data() + begin, n, static_cast<sqlite3_int64>(begin)); rc != SQLITE_OK) {
      return rc;
    }
  }
  image.dirty.clear();
  if (image.size_dirty) {
    if (const int rc = real->pMethods->xTruncate(real, static_cast<sqlite3_int64>(image.data.size())); rc != SQLITE_OK) return rc;
    image.size_dirty = false;
  }
  ++g_state->syncs[*file->path];
  return SQLITE_OK;
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  File* file = reinterpret_cast<File*>(f);
  if (file->image == nullptr) return file->real->pMethods->xFileSize(file->real, size);
  std::lock_guard lock(g_state->mu);
  if (g_state->failed) return SQLITE_IOERR_FSTAT;
  *size = static_cast<sqlite3_int64>((*file->image)->data.size());
  return SQLITE_OK;
}

int x_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xUnlock(real_of(f), level); }
int x_check_reserved(sqlite3_file* f, int* out) { return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out); }

int x_file_control(sqlite3_file* f, int op, void* arg) {
  // A size hint would grow the real file behind the image's back; it is
  // only a hint.
  if (op == SQLITE_FCNTL_SIZE_HINT && reinterpret_cast<File*>(f)->image != nullptr) return SQLITE_OK;
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

int x_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int x_device(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int x_shm_unmap(sqlite3_file* f, int delete_flag) { return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag); }

// Version 2: no xFetch, so SQLite never memory-maps a file past the image.
const sqlite3_io_methods kMethods = {
    2,         x_close,     x_read,   x_write,   x_truncate,  x_sync,       x_file_size, x_lock, x_unlock,
    x_check_reserved, x_file_control, x_sector_size, x_device, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap,
    nullptr,   nullptr,
};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  State& s = *g_state;
  File* file = reinterpret_cast<File*>(f);
  file->base.pMethods = nullptr;
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->image = nullptr;
  file->path = nullptr;
  {
    std::lock_guard lock(s.mu);
    if (s.failed) return SQLITE_CANTOPEN;
  }
  int rc = s.base->xOpen(s.base, name, file->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (file->real->pMethods != nullptr) file->real->pMethods->xClose(file->real);
    return rc;
  }
  const bool buffered = name != nullptr && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_WAL)) != 0;
  std::lock_guard lock(s.mu);
  if (buffered) {
    auto& image = s.images[name];
    if (!image) {
      // First open since the (re)start: the cache is what the disk holds.
      image = std::make_shared<Image>();
      sqlite3_int64 size = 0;
      rc = file->real->pMethods->xFileSize(file->real, &size);
      image->data.resize(static_cast<std::size_t>(size));
      if (rc == SQLITE_OK && size > 0) rc = file->real->pMethods->xRead(file->real, image->data.data(), static_cast<int>(size), 0);
      if (rc != SQLITE_OK) {
        s.images.erase(name);
        file->real->pMethods->xClose(file->real);
        return rc;
      }
    }
    file->image = new std::shared_ptr<Image>(image);
    file->path = new std::string(name);
  }
  ++s.open_files;
  file->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs*, const char* path, int dir_sync) {
  State& s = *g_state;
  {
    std::lock_guard lock(s.mu);
    if (s.failed) return SQLITE_IOERR_DELETE;
    s.images.erase(path);
  }
  return s.base->xDelete(s.base, path, dir_sync);
}

int x_access(sqlite3_vfs*, const char* path, int flags, int* out) {
  State& s = *g_state;
  {
    std::lock_guard lock(s.mu);
    if (s.failed) return SQLITE_IOERR_ACCESS;
    // The real VFS counts an empty file as absent; what counts is the cache.
    if (auto it = s.images.find(path); it != s.images.end() && flags == SQLITE_ACCESS_EXISTS) {
      *out = it->second->data.empty() ? 0 : 1;
      return SQLITE_OK;
    }
  }
  return s.base->xAccess(s.base, path, flags, out);
}

}  // namespace

PowerLossVfs::PowerLossVfs() {
  if (g_state != nullptr) throw std::logic_error("one PowerLossVfs at a time");
  auto state = std::make_unique<State>();
  state->base = sqlite3_vfs_find(nullptr);
  if (state->base == nullptr) throw std::runtime_error("SQLite has no default VFS");
  // Everything else (full path names, randomness, time, ...) is the real VFS's.
  state->vfs = *state->base;
  state->vfs.zName = "mandate-power-loss";
  state->vfs.szOsFile = static_cast<int>(sizeof(File)) + state->base->szOsFile;
  state->vfs.pNext = nullptr;
  state->vfs.xOpen = x_open;
  state->vfs.xDelete = x_delete;
  state->vfs.xAccess = x_access;
  g_state = state.release();
  if (sqlite3_vfs_register(&g_state->vfs, 1) != SQLITE_OK) {
    delete g_state;
    g_state = nullptr;
    throw std::runtime_error("cannot register the power-loss VFS");
  }
}

PowerLossVfs::~PowerLossVfs() {
  sqlite3_vfs_register(g_state->base, 1);
  sqlite3_vfs_unregister(&g_state->vfs);
  delete g_state;
  g_state = nullptr;
}

void PowerLossVfs::fail_power_at(std::uint64_t nth) {
  std::lock_guard lock(g_state->mu);
  g_state->io = 0;
  g_state->fail_at = nth;
}

bool PowerLossVfs::power_failed() const {
  std::lock_guard lock(g_state->mu);
  return g_state->failed;
}

void PowerLossVfs::restart() {
  std::lock_guard lock(g_state->mu);
  if (g_state->open_files != 0) throw std::logic_error("restart with " + std::to_string(g_state->open_files) + " file(s) open");
  g_state->images.clear();
  g_state->failed = false;
  g_state->fail_at = 0;
  g_state->io = 0;
}

std::uint64_t PowerLossVfs::syncs(const std::string& suffix) const {
  std::lock_guard lock(g_state->mu);
  std::uint64_t n = 0;
  for (const auto& [path, count] : g_state->syncs) {
    if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) n += count;
  }
  return n;
}

}  // namespace mandate::testing
