#include "store/postgresql/internal/connection_pool.h"

#include "core/error.h"

namespace mandate::store::postgresql {

ConnectionPool::ConnectionPool(ConnectionSettings settings) : settings_(std::move(settings)) {
  if (settings_.pool_size == 0) settings_.pool_size = 1;
}

ConnectionPool::Lease::~Lease() {
  if (connection_) pool_->give_back(std::move(connection_));
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  if (connection->usable()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;  // closed as it goes out of scope, after the lock
  }
  freed_.notify_one();
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mu_);
  if (idle_.empty() && open_ >= settings_.pool_size) {
    ++waits_;
    const bool freed = freed_.wait_for(lock, settings_.acquire_timeout,
                                       [&] { return !idle_.empty() || open_ < settings_.pool_size; });
    if (!freed) {
      fail(ErrorKind::io, "all " + std::to_string(settings_.pool_size) +
                              " database connections stayed busy; try again");
    }
  }
  // An idle connection the server closed meanwhile (a database restart)
  // is dropped here, so the caller gets a fresh one instead of a 503.
  while (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    if (connection->still_open()) return Lease(*this, std::move(connection));
    --open_;
  }
  ++open_;  // reserved while connecting, outside the lock
  lock.unlock();
  try {
    return Lease(*this, std::make_unique<Connection>(settings_));
  } catch (...) {
    lock.lock();
    --open_;
    freed_.notify_one();
    throw;
  }
}

PoolUse ConnectionPool::use() const {
  std::lock_guard lock(mu_);
  return {open_, open_ - idle_.size(), settings_.pool_size, waits_};
}

}  // namespace mandate::store::postgresql
