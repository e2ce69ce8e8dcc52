#pragma once
// Real PostgreSQL for the tests: a cluster on loopback started by
// scripts/postgres.sh, and databases of their own on it (docs/testing.md).
//
// Under ctest, a test registered with `mandate_test(... POSTGRES)` runs with
// MANDATE_TEST_POSTGRES_DIR naming the cluster the `postgres` fixture started
// once for the whole run. A test binary run by hand starts a cluster of its
// own instead, the first time one is needed, and stops it when it exits.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <libpq-fe.h>
#include <sys/types.h>

namespace mandate::testing {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgConnection = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// A connection to `url`; throws std::runtime_error with libpq's message when
// it cannot be made.
PgConnection pg_connect(const std::string& url);
// Whether a connection to `url` can be made now (an outage test's probe).
bool pg_reachable(const std::string& url);
// Runs `sql` (one or more statements, no parameters); throws
// std::runtime_error with the server's message when it fails.
PgResult pg_exec(PGconn* conn, const std::string& sql);
// The first column of the first row `sql` returns ("" for NULL); throws when
// there is no row.
std::string pg_value(PGconn* conn, const std::string& sql);

// A PostgreSQL cluster on 127.0.0.1 made by scripts/postgres.sh.
class PostgresCluster {
 public:
  // The cluster the tests of this process share: the ctest fixture's, or one
  // this process starts on first use and stops at exit. Shared by tests running
  // in parallel, so nobody may stop it: it is const.
  static const PostgresCluster& shared();
  // A cluster of the caller's own, in a fresh temporary directory, stopped and
  // removed when the object goes away: for tests that stop and start it (a
  // database outage). Takes about a second (initdb).
  static PostgresCluster start_private();

  PostgresCluster(PostgresCluster&& other) noexcept;
  PostgresCluster& operator=(PostgresCluster&& other) noexcept;
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;
  ~PostgresCluster();

  // pg_ctl stop -m fast: open connections are cut, new ones are refused
  // until start(). The data stays.
  void stop();
  // Starts it again on the same port and returns once it accepts connections.
  void start();

  // postgresql://mandate@127.0.0.1:PORT/postgres, as the superuser `mandate`.
  const std::string& admin_url() const { return admin_url_; }
  // The URL of one of its databases, as the same superuser.
  std::string url_for(std::string_view database) const;
  int port() const { return port_; }
  // The directory scripts/postgres.sh was given (DIR/url, DIR/port, DIR/cluster).
  const std::filesystem::path& dir() const { return dir_; }

 private:
  // Reads DIR/url and DIR/port of a running cluster; `owner` stops it later.
  PostgresCluster(std::filesystem::path dir, bool owner);
  void stop_and_remove() noexcept;

  std::filesystem::path dir_;
  std::string admin_url_;
  int port_ = 0;
  // The process that started it, or 0 when something else did (the fixture):
  // only that process stops it, never a forked child that exits.
  pid_t owner_pid_ = 0;
};

// A fresh database of its own on a real PostgreSQL on loopback, with a unique
// name; dropped (WITH (FORCE), cutting connections left open) when it goes away.
class TestDatabase {
 public:
  // On the shared cluster.
  static TestDatabase create();
  // On the given cluster (a private one, for an outage test); the cluster must
  // outlive the database.
  static TestDatabase create(const PostgresCluster& cluster);

  TestDatabase(TestDatabase&& other) noexcept;
  TestDatabase& operator=(TestDatabase&& other) noexcept;
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase();

  // postgresql://mandate@127.0.0.1:PORT/NAME, no password in it (the test
  // cluster trusts loopback).
  const std::string& url() const { return url_; }
  std::string name() const { return name_; }
  // A new connection to it.
  PgConnection connect() const { return pg_connect(url_); }

 private:
  TestDatabase(std::string admin_url, std::string name, std::string url);
  void drop() noexcept;

  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace mandate::testing
