#pragma once
// Private to the store module: the build defines MANDATE_INSIDE_STORE only for src/store/ and tests/store/.
#ifndef MANDATE_INSIDE_STORE
#error "this header is internal to the store module; include a public store/ header instead"
#endif
// A bounded pool of connections, opened when first needed. A connection
// that failed is dropped rather than lent again, so when the database
// comes back the next caller simply connects afresh: the servers recover
// by themselves.
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "store/postgresql/internal/pg_connection.h"

namespace mandate::store::postgresql {

struct PoolUse {
  std::size_t open = 0;
  std::size_t in_use = 0;
  std::size_t max = 0;
  std::uint64_t waits = 0;  // acquisitions that found every connection busy
};

class ConnectionPool {
 public:
  explicit ConnectionPool(ConnectionSettings settings);

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection) : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection* operator->() { return connection_.get(); }
    Connection& operator*() { return *connection_; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // A connection, waiting up to acquire_timeout for one to be free;
  // Error{io} when none is, or when the database cannot be reached.
  Lease acquire();
  PoolUse use() const;
  const ConnectionSettings& settings() const { return settings_; }

 private:
  void give_back(std::unique_ptr<Connection> connection);

  ConnectionSettings settings_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle + lent
  std::uint64_t waits_ = 0;
};

}  // namespace mandate::store::postgresql
