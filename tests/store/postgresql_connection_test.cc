// The libpq layer under the PostgreSQL store: a pipeline fails as a whole
// at its first failing statement and leaves the connection usable; the pool
// drops a connection the server cut and connects afresh once it is back.
#include <gtest/gtest.h>

#include "core/error.h"
#include "store/postgresql/internal/connection_pool.h"
#include "store/postgresql/internal/pg_connection.h"
#include "store/postgresql/postgresql_store.h"
#include "support/postgres.h"

namespace mandate::store::postgresql {
namespace {

using mandate::testing::PostgresCluster;
using mandate::testing::TestDatabase;

ConnectionSettings settings_for(const std::string& url) {
  ConnectionSettings s;
  s.url = url;
  s.pool_size = 2;
  s.acquire_timeout = std::chrono::milliseconds(500);
  return s;
}

TEST(PostgresqlConnection, APipelineStopsAtItsFirstFailureAndTheConnectionStaysUsable) {
  const TestDatabase database = TestDatabase::create();
  Connection c(settings_for(database.url()));
  c.exec("CREATE TABLE t (k integer PRIMARY KEY)");
  try {
    c.pipeline({{"BEGIN", Params()},
                {"INSERT INTO t VALUES (1)", Params()},
                {"INSERT INTO t VALUES (1)", Params()},  // a unique violation: a conflict
                {"INSERT INTO t VALUES (2)", Params()},
                {"COMMIT", Params()}});
    FAIL() << "the duplicate key went through";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict) << e.what();
  }
  EXPECT_TRUE(c.usable());
  c.exec("ROLLBACK");
  EXPECT_EQ(c.query("SELECT count(*) FROM t", Params()).integer(0, 0), 0);
  const auto results = c.pipeline({{"INSERT INTO t VALUES ($1::integer)", Params().integer(7)},
                                   {"SELECT k::bigint FROM t", Params()}});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].integer(0, 0), 7);
}

// A batch goes in as arrays: every text and every byte arrives as it was,
// quotes, backslashes, braces, commas, NUL bytes and UTF-8 included, and a
// prepared statement in a pipeline runs again with other arrays.
TEST(PostgresqlConnection, ArrayParametersCarryAnyTextAndBytesIntoAPreparedStatement) {
  const TestDatabase database = TestDatabase::create();
  Connection c(settings_for(database.url()));
  c.exec("CREATE TABLE t (k bigint PRIMARY KEY, name text, data bytea)");
  const std::vector<std::int64_t> keys{1, -2, 9'007'199'254'740'993};
  const std::vector<std::string_view> names{R"({"a":"b\"c"} ,{})", "", "NULL, é \\ \""};
  const std::string binary("\0\x01\xff\"\\{},", 8);
  const std::vector<std::string_view> data{binary, "", "plain"};
  const std::string sql = "INSERT INTO t SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])";
  Params params;
  params.integer_array(keys).text_array(names).bytes_array(data);
  c.pipeline({{"BEGIN", Params()}, {sql, std::move(params), "insert_t"}, {"COMMIT", Params()}});
  Result r = c.query("SELECT k, name, data FROM t ORDER BY k", Params());
  ASSERT_EQ(r.rows(), 3);
  EXPECT_EQ(r.integer(0, 0), -2);
  EXPECT_EQ(r.text(0, 1), "");
  EXPECT_EQ(r.bytes(0, 2), "");
  EXPECT_EQ(r.text(1, 1), names[0]);
  EXPECT_EQ(r.bytes(1, 2), binary);
  EXPECT_EQ(r.text(2, 1), names[2]) << "NULL in quotes is the text, not a null";
  EXPECT_EQ(r.bytes(2, 2), "plain");

  const std::vector<std::int64_t> more_keys{5};
  const std::vector<std::string_view> more_names{"again"};
  const std::vector<std::string_view> more_data{"x"};
  Params again;
  again.integer_array(more_keys).text_array(more_names).bytes_array(more_data);
  c.pipeline({{sql, std::move(again), "insert_t"}});
  EXPECT_EQ(c.query("SELECT count(*) FROM t", Params()).integer(0, 0), 4);
}

TEST(PostgresqlConnection, ThePoolDropsWhatTheServerCutAndReconnectsWhenItIsBack) {
  PostgresCluster cluster = PostgresCluster::start_private();
  const TestDatabase database = TestDatabase::create(cluster);
  ConnectionPool pool(settings_for(database.url()));
  { pool.acquire()->exec("SELECT 1"); }
  EXPECT_EQ(pool.use().open, 1u);

  cluster.stop();
  try {
    pool.acquire()->exec("SELECT 1");
    FAIL() << "a statement ran on a stopped server";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::io) << e.what();  // answered 503, may pass
  }
  EXPECT_EQ(pool.use().open, 0u) << "the cut connection is not lent again";
  EXPECT_THROW(pool.acquire(), Error) << "connecting fails while the server is down";
  EXPECT_EQ(pool.use().open, 0u);

  cluster.start();
  EXPECT_NO_THROW(pool.acquire()->exec("SELECT 1"));
  EXPECT_EQ(pool.use().open, 1u);
}

// Idle connections the restart closed are not lent: the first statement
// after the database is back already succeeds.
TEST(PostgresqlConnection, AfterARestartTheFirstStatementSucceeds) {
  PostgresCluster cluster = PostgresCluster::start_private();
  const TestDatabase database = TestDatabase::create(cluster);
  ConnectionPool pool(settings_for(database.url()));
  {
    auto first = pool.acquire();
    auto second = pool.acquire();
    first->exec("SELECT 1");
    second->exec("SELECT 1");
  }
  EXPECT_EQ(pool.use().open, 2u);
  cluster.stop();
  cluster.start();
  EXPECT_NO_THROW(pool.acquire()->exec("SELECT 1"));
  EXPECT_NO_THROW(pool.acquire()->exec("SELECT 1"));
  EXPECT_EQ(pool.use().open, 1u) << "both closed connections were dropped, one new one opened";
}

TEST(PostgresqlConnection, AllConnectionsBusyIsAFailureThatMayPass) {
  const TestDatabase database = TestDatabase::create();
  ConnectionPool pool(settings_for(database.url()));
  auto first = pool.acquire();
  auto second = pool.acquire();
  try {
    pool.acquire();
    FAIL() << "a third connection beyond a pool of two";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::io) << e.what();
  }
  EXPECT_EQ(pool.use().waits, 1u);
}

}  // namespace
}  // namespace mandate::store::postgresql
