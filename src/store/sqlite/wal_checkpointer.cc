#include "store/sqlite/internal/wal_checkpointer.h"

#include <sqlite3.h>

namespace mandate::store::sqlite {

WalCheckpointer::WalCheckpointer(const std::string& path, Database& writer, int pages_before_copy)
    : writer_(writer), own_(path, Database::Mode::existing), pages_before_copy_(pages_before_copy) {
  // The copy syncs the database file before the log may be reused, as the
  // writer's own checkpoints did at synchronous=FULL.
  own_.exec("PRAGMA synchronous=FULL");
  thread_ = std::thread([this] { run(); });
  // Replaces SQLite's automatic checkpoint, which is itself this hook.
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_commit, this);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  rung_.notify_one();
  thread_.join();
}

std::uint64_t WalCheckpointer::copies() const {
  std::lock_guard lock(mu_);
  return copies_;
}

std::uint64_t WalCheckpointer::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

// Runs on the writer's thread after each commit, the write lock released.
int WalCheckpointer::on_commit(void* self, sqlite3*, const char*, int pages_in_log) {
  auto& checkpointer = *static_cast<WalCheckpointer*>(self);
  if (pages_in_log < checkpointer.pages_before_copy_) return SQLITE_OK;
  {
    std::lock_guard lock(checkpointer.mu_);
    checkpointer.due_ = true;
  }
  checkpointer.rung_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    rung_.wait(lock, [&] { return due_ || stopping_; });
    if (stopping_) return;
    due_ = false;
    lock.unlock();
    const int rc = sqlite3_wal_checkpoint_v2(own_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
    ++(rc == SQLITE_OK ? copies_ : failures_);
  }
}

}  // namespace mandate::store::sqlite
