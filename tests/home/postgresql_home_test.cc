// A home whose store is a PostgreSQL database: made, opened, shared by a
// second home (another server), and its settings read strictly, with the
// password kept out of the config.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "home/home.h"
#include "support/files.h"
#include "support/postgres.h"
#include "support/process.h"

namespace mandate::home {
namespace {

namespace fs = std::filesystem;
using mandate::testing::TempDir;
using mandate::testing::TestDatabase;

StoreConfig postgresql_store(const std::string& url) {
  StoreConfig store;
  store.backend = "postgresql";
  store.url = url;
  store.pool_size = 2;
  return store;
}

ledger::EntryDraft draft(const std::string& who) {
  ledger::EntryDraft d;
  d.type = "test.entry";
  d.actor = {who, "human", ""};
  return d;
}

// A second server's home: a copy of the first one's config and keys.
void copy_home(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  fs::copy(from / "config.toml", to / "config.toml");
  fs::copy(from / "keys", to / "keys", fs::copy_options::recursive);
}

TEST(PostgresqlHome, TwoHomesOnOneDatabaseShareOneLedger) {
  const TempDir tmp;
  const TestDatabase database = TestDatabase::create();
  auto first = Home::init(tmp / "a", "example.com/mandate", postgresql_store(database.url()));
  EXPECT_FALSE(fs::exists(tmp / "a" / "mandate.db")) << "no SQLite file beside a PostgreSQL store";
  first->ledger().append(draft("alice"));
  copy_home(tmp / "a", tmp / "b");
  auto second = Home::open(tmp / "b");
  EXPECT_EQ(second->ledger().size(), 1u);
  second->ledger().append(draft("bob"));
  EXPECT_EQ(first->ledger().size(), 2u);
  // Either server signs checkpoints of the one tree, with the same key.
  const std::string note_a = first->sign_checkpoint();
  const std::string note_b = second->sign_checkpoint();
  EXPECT_EQ(note_a, note_b);
  EXPECT_EQ(first->store().checkpoints().size(), 1u);
}

TEST(PostgresqlHome, InitRefusesADatabaseThatHoldsAStoreAndChangesNothing) {
  const TempDir tmp;
  const TestDatabase database = TestDatabase::create();
  Home::init(tmp / "a", "example.com/mandate", postgresql_store(database.url()));
  EXPECT_THROW(Home::init(tmp / "b", "example.com/other", postgresql_store(database.url())), Error);
  EXPECT_FALSE(fs::exists(tmp / "b")) << "a refused init leaves no home";
  EXPECT_EQ(Home::open(tmp / "a")->config().origin, "example.com/mandate");
}

TEST(PostgresqlHome, APasswordNeverSitsInTheConfig) {
  const TempDir tmp;
  const TestDatabase database = TestDatabase::create();
  std::string with_password = database.url();
  with_password.insert(with_password.find('@'), ":hunter2");
  try {
    Home::init(tmp / "a", "example.com/mandate", postgresql_store(with_password));
    FAIL() << "a URL with a password was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("password_file"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp / "a"));
}

TEST(PostgresqlHome, ThePasswordComesFromItsFileOrVariable) {
  const TempDir tmp;
  const TestDatabase database = TestDatabase::create();
  StoreConfig store = postgresql_store(database.url());
  store.password_file = "db-password";
  EXPECT_THROW(Home::init(tmp / "a", "example.com/mandate", store), Error) << "the file is missing";
  EXPECT_FALSE(fs::exists(tmp / "a" / "config.toml"));
  std::filesystem::create_directories(tmp / "a");
  mandate::testing::write_file(tmp / "a" / "db-password", "not-needed-on-a-trusting-cluster\n");
  auto home = Home::init(tmp / "a", "example.com/mandate", store);
  const auto settings = postgresql_settings(tmp / "a", home->config().store);
  EXPECT_EQ(settings.password, "not-needed-on-a-trusting-cluster");
  EXPECT_EQ(mandate::testing::read_file(tmp / "a" / "config.toml").find("not-needed"), std::string::npos);

  StoreConfig by_env = postgresql_store(database.url());
  by_env.password_env = "MANDATE_TEST_DB_PASSWORD_UNSET";
  ::unsetenv("MANDATE_TEST_DB_PASSWORD_UNSET");
  EXPECT_THROW(postgresql_settings(tmp / "a", by_env), Error);
  ::setenv("MANDATE_TEST_DB_PASSWORD_UNSET", "from-env", 1);
  EXPECT_EQ(postgresql_settings(tmp / "a", by_env).password, "from-env");
  ::unsetenv("MANDATE_TEST_DB_PASSWORD_UNSET");
}

TEST(PostgresqlHome, AnUnreachableDatabaseIsTheEnvironmentsFailure) {
  const TempDir tmp;
  const TestDatabase database = TestDatabase::create();
  Home::init(tmp / "a", "example.com/mandate", postgresql_store(database.url()));
  // The same home pointed at a port nobody listens on (port 1 needs root to bind).
  std::string text = mandate::testing::read_file(tmp / "a" / "config.toml");
  const auto port = text.find("127.0.0.1:");
  ASSERT_NE(port, std::string::npos);
  const auto end = text.find('/', port);
  text.replace(port, end - port, "127.0.0.1:1");
  mandate::testing::write_file(tmp / "a" / "config.toml", text);
  try {
    Home::open(tmp / "a");
    FAIL() << "opened a store nobody serves";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::io) << e.what();
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
  }
}

TEST(PostgresqlHomeConfig, SettingsAreReadStrictly) {
  const auto ok = parse_config("[ledger]\norigin = \"example.com/m\"\n[store]\nbackend = \"postgresql\"\n"
                               "url = \"postgresql://mandate@db:5432/mandate\"\npassword_env = \"PGPASS\"\npool_size = 4\n",
                               "config.toml");
  ASSERT_TRUE(ok.has_value()) << ok.error();
  EXPECT_TRUE(ok->store.is_postgresql());
  EXPECT_EQ(ok->store.pool_size, 4u);
  const auto again = parse_config(render_config(*ok), "config.toml");
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_EQ(again->store.url, ok->store.url);
  EXPECT_EQ(again->store.password_env, "PGPASS");

  for (const char* bad : {
           "backend = \"postgresql\"\n",                                                 // no url
           "backend = \"postgresql\"\nurl = \"mysql://x\"\n",                            // not postgresql
           "backend = \"postgresql\"\nurl = \"postgresql://x/y\"\npath = \"m.db\"\n",     // a SQLite setting
           "backend = \"postgresql\"\nurl = \"postgresql://x/y\"\npool_size = 0\n",
           "backend = \"postgresql\"\nurl = \"postgresql://x/y\"\npassword_file = \"f\"\npassword_env = \"E\"\n",
           "backend = \"sqlite\"\nurl = \"postgresql://x/y\"\n",                          // a PostgreSQL setting
           "backend = \"oracle\"\n",
       }) {
    const auto parsed = parse_config(std::string("[ledger]\norigin = \"o\"\n[store]\n") + bad, "config.toml");
    EXPECT_FALSE(parsed.has_value()) << bad;
    if (!parsed) {
      EXPECT_NE(parsed.error().find("config.toml"), std::string::npos) << parsed.error();
    }
  }
}

}  // namespace
}  // namespace mandate::home
