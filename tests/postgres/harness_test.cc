// The PostgreSQL test harness: databases of their own on a real cluster,
// private clusters for outage tests, and the settings durability tests rely on.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "support/files.h"
#include "support/postgres.h"
#include "support/process.h"

namespace mandate::testing {
namespace {

TEST(PostgresTestDatabase, IsReachableWithLibpqAsASuperuserWithoutAPassword) {
  const TestDatabase db = TestDatabase::create();
  const std::string prefix =
      "postgresql://mandate@127.0.0.1:" + std::to_string(PostgresCluster::shared().port()) + "/";
  EXPECT_EQ(db.url(), prefix + db.name());

  const PgConnection conn = db.connect();
  EXPECT_EQ(pg_value(conn.get(), "SELECT 1"), "1");
  EXPECT_EQ(pg_value(conn.get(), "SELECT current_database()"), db.name());
  // Superuser: a test may create roles, extensions, whatever its store needs.
  EXPECT_EQ(pg_value(conn.get(), "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"), "t");
}

TEST(PostgresTestDatabase, IsIsolatedFromAnother) {
  const TestDatabase a = TestDatabase::create();
  const TestDatabase b = TestDatabase::create();
  ASSERT_NE(a.name(), b.name());

  const PgConnection in_a = a.connect();
  pg_exec(in_a.get(), "CREATE TABLE entries (id integer PRIMARY KEY); INSERT INTO entries VALUES (1)");
  EXPECT_EQ(pg_value(in_a.get(), "SELECT count(*) FROM entries"), "1");

  const PgConnection in_b = b.connect();
  EXPECT_EQ(pg_value(in_b.get(), "SELECT to_regclass('entries') IS NULL"), "t");
  // And b's own table of the same name is another table.
  pg_exec(in_b.get(), "CREATE TABLE entries (id integer PRIMARY KEY)");
  EXPECT_EQ(pg_value(in_b.get(), "SELECT count(*) FROM entries"), "0");
}

TEST(PostgresTestDatabase, IsDroppedWhenItGoesAwayEvenWithAConnectionOpen) {
  std::optional<TestDatabase> db = TestDatabase::create();
  const std::string name = db->name();
  const std::string url = db->url();
  const PgConnection left_open = db->connect();
  pg_exec(left_open.get(), "CREATE TABLE t (x integer)");

  db.reset();

  const PgConnection admin = pg_connect(PostgresCluster::shared().admin_url());
  EXPECT_EQ(pg_value(admin.get(), "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'"), "0");
  EXPECT_FALSE(pg_reachable(url));
  // WITH (FORCE) ended the connection the test left open.
  EXPECT_THROW(pg_exec(left_open.get(), "SELECT 1"), std::runtime_error);
}

TEST(PostgresTestDatabase, AMovedFromDatabaseDropsNothing) {
  std::string name;
  {
    std::optional<TestDatabase> first = TestDatabase::create();
    name = first->name();
    const TestDatabase second = std::move(*first);
    first.reset();
    EXPECT_EQ(second.name(), name);
    EXPECT_EQ(pg_value(second.connect().get(), "SELECT current_database()"), name);
  }
  const PgConnection admin = pg_connect(PostgresCluster::shared().admin_url());
  EXPECT_EQ(pg_value(admin.get(), "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'"), "0");
}

TEST(PostgresCluster, IsDurableAndListensOnLoopbackOnly) {
  const TestDatabase db = TestDatabase::create();
  const PgConnection conn = db.connect();
  EXPECT_EQ(pg_value(conn.get(), "SHOW fsync"), "on");
  EXPECT_EQ(pg_value(conn.get(), "SHOW synchronous_commit"), "on");
  EXPECT_EQ(pg_value(conn.get(), "SHOW full_page_writes"), "on");
  EXPECT_EQ(pg_value(conn.get(), "SHOW listen_addresses"), "127.0.0.1");
  EXPECT_EQ(pg_value(conn.get(), "SHOW server_version_num").substr(0, 2), "15");
}

TEST(PostgresCluster, UnderCtestTheSharedClusterIsTheFixtures) {
  const char* fixture = std::getenv("MANDATE_TEST_POSTGRES_DIR");
  const PostgresCluster& shared = PostgresCluster::shared();
  if (fixture == nullptr || *fixture == '\0') {
    // Run by hand: this process started a cluster of its own.
    EXPECT_TRUE(std::filesystem::exists(shared.dir() / "cluster"));
  } else {
    EXPECT_EQ(shared.dir(), std::filesystem::path(fixture));
  }
  EXPECT_EQ(read_file(shared.dir() / "url"), shared.admin_url() + "\n");
  EXPECT_TRUE(pg_reachable(shared.admin_url()));
}

TEST(PostgresCluster, APrivateClusterStopsAndStartsAgainOnTheSamePort) {
  PostgresCluster cluster = PostgresCluster::start_private();
  EXPECT_NE(cluster.port(), PostgresCluster::shared().port());
  const int port = cluster.port();
  const TestDatabase db = TestDatabase::create(cluster);
  const PgConnection before = db.connect();
  pg_exec(before.get(), "CREATE TABLE t (x integer); INSERT INTO t VALUES (42)");

  cluster.stop();
  EXPECT_FALSE(pg_reachable(db.url()));
  EXPECT_FALSE(pg_reachable(cluster.admin_url()));
  EXPECT_THROW(pg_exec(before.get(), "SELECT 1"), std::runtime_error);

  cluster.start();
  EXPECT_EQ(cluster.port(), port);
  const PgConnection after = db.connect();
  // What was committed before the outage is there after it.
  EXPECT_EQ(pg_value(after.get(), "SELECT x FROM t"), "42");
}

TEST(PostgresCluster, APrivateClusterIsStoppedAndRemovedWhenItGoesAway) {
  std::filesystem::path dir;
  std::string admin_url;
  {
    PostgresCluster cluster = PostgresCluster::start_private();
    // Moving it moves the ownership: only the last owner stops it.
    PostgresCluster moved = std::move(cluster);
    dir = moved.dir();
    admin_url = moved.admin_url();
    ASSERT_TRUE(pg_reachable(admin_url));
  }
  EXPECT_FALSE(pg_reachable(admin_url));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

// The script removes the directories it is given: never one it did not make.
TEST(PostgresScript, RefusesADirectoryItDidNotMake) {
  const TempDir dir;
  write_file(dir / "precious", "keep me");
  for (const std::string command : {"start", "stop"}) {
    const RunResult result = run({MANDATE_POSTGRES_SCRIPT, command, dir.path().string()});
    EXPECT_EQ(result.exit_code, 1) << command;
    EXPECT_NE(result.err.find("no cluster made by this script"), std::string::npos) << result.err;
  }
  EXPECT_EQ(read_file(dir / "precious"), "keep me");
}

}  // namespace
}  // namespace mandate::testing
