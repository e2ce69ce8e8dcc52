#include "support/postgres.h"

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include <unistd.h>

#include "support/files.h"
#include "support/process.h"

namespace mandate::testing {

namespace {

// Runs scripts/postgres.sh; throws with what it printed when it fails.
void postgres_script(const std::vector<std::string>& args) {
  std::vector<std::string> argv{MANDATE_POSTGRES_SCRIPT};
  argv.insert(argv.end(), args.begin(), args.end());
  const RunResult result = run(argv);
  if (result.exit_code != 0) {
    std::string command = "scripts/postgres.sh";
    for (const auto& arg : args) command += " " + arg;
    throw std::runtime_error(command + " failed (exit " + std::to_string(result.exit_code) + "): " + result.err +
                             result.out);
  }
}

// Up to the first newline: the script writes one value per file.
std::string first_line(const std::filesystem::path& path) {
  std::string text = read_file(path);
  if (const auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
  return text;
}

// A fresh, empty directory for a private cluster; the script removes it on stop.
std::filesystem::path fresh_directory() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/mandate-postgres-test.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp " + templ);
  return templ;
}

// Unique among the processes sharing a cluster (the pid) and among the
// databases of one process (the counter); the random part keeps a rerun clear
// of anything a crashed process with the same pid left behind.
std::string unique_database_name() {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937 random{std::random_device{}()};
  std::ostringstream name;
  name << "mandate_test_" << getpid() << '_' << counter.fetch_add(1) << '_' << std::hex << (random() & 0xffffffU);
  return name.str();
}

}  // namespace

PgConnection pg_connect(const std::string& url) {
  PgConnection conn(PQconnectdb(url.c_str()));
  if (conn == nullptr) throw std::runtime_error("PQconnectdb: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to " + url + ": " + PQerrorMessage(conn.get()));
  }
  return conn;
}

bool pg_reachable(const std::string& url) {
  const PgConnection conn(PQconnectdb(url.c_str()));
  return conn != nullptr && PQstatus(conn.get()) == CONNECTION_OK;
}

PgResult pg_exec(PGconn* conn, const std::string& sql) {
  PgResult result(PQexec(conn, sql.c_str()));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(sql + ": " +
                             (result != nullptr ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn)));
  }
  return result;
}

std::string pg_value(PGconn* conn, const std::string& sql) {
  const PgResult result = pg_exec(conn, sql);
  if (PQntuples(result.get()) < 1 || PQnfields(result.get()) < 1) throw std::runtime_error(sql + ": no row");
  return PQgetvalue(result.get(), 0, 0);
}

// --- PostgresCluster ---

PostgresCluster::PostgresCluster(std::filesystem::path dir, bool owner)
    : dir_(std::move(dir)), owner_pid_(owner ? getpid() : 0) {
  admin_url_ = first_line(dir_ / "url");
  const std::string port = first_line(dir_ / "port");
  if (admin_url_.empty() || port.empty()) {
    throw std::runtime_error("no PostgreSQL cluster in " + dir_.string() +
                             " (no url or port file): did the postgres.start test fail?");
  }
  port_ = std::stoi(port);
}

const PostgresCluster& PostgresCluster::shared() {
  // Function-local: started on first use (never for a test that needs no
  // database, nor when gtest only lists the tests), stopped at exit.
  static const PostgresCluster cluster = [] {
    if (const char* dir = std::getenv("MANDATE_TEST_POSTGRES_DIR"); dir != nullptr && *dir != '\0') {
      return PostgresCluster(dir, false);
    }
    return start_private();
  }();
  return cluster;
}

PostgresCluster PostgresCluster::start_private() {
  const std::filesystem::path dir = fresh_directory();
  try {
    postgres_script({"start", dir.string()});
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    throw;
  }
  return PostgresCluster(dir, true);
}

PostgresCluster::PostgresCluster(PostgresCluster&& other) noexcept
    : dir_(std::move(other.dir_)),
      admin_url_(std::move(other.admin_url_)),
      port_(other.port_),
      owner_pid_(std::exchange(other.owner_pid_, 0)) {}

PostgresCluster& PostgresCluster::operator=(PostgresCluster&& other) noexcept {
  if (this != &other) {
    stop_and_remove();
    dir_ = std::move(other.dir_);
    admin_url_ = std::move(other.admin_url_);
    port_ = other.port_;
    owner_pid_ = std::exchange(other.owner_pid_, 0);
  }
  return *this;
}

PostgresCluster::~PostgresCluster() { stop_and_remove(); }

void PostgresCluster::stop_and_remove() noexcept {
  if (owner_pid_ == 0 || owner_pid_ != getpid()) return;
  owner_pid_ = 0;
  try {
    postgres_script({"stop", dir_.string()});
  } catch (const std::exception& e) {
    // A destructor cannot throw; say what was left behind.
    std::cerr << "PostgresCluster: " << e.what() << '\n';
  }
}

void PostgresCluster::stop() {
  if (owner_pid_ != getpid()) throw std::logic_error("only the process that started a private cluster stops it");
  postgres_script({"stop", "--keep", dir_.string()});
}

void PostgresCluster::start() {
  if (owner_pid_ != getpid()) throw std::logic_error("only the process that started a private cluster starts it");
  postgres_script({"start", dir_.string()});
}

std::string PostgresCluster::url_for(std::string_view database) const {
  return "postgresql://mandate@127.0.0.1:" + std::to_string(port_) + "/" + std::string(database);
}

// --- TestDatabase ---

TestDatabase::TestDatabase(std::string admin_url, std::string name, std::string url)
    : admin_url_(std::move(admin_url)), name_(std::move(name)), url_(std::move(url)) {}

TestDatabase TestDatabase::create() { return create(PostgresCluster::shared()); }

TestDatabase TestDatabase::create(const PostgresCluster& cluster) {
  std::string name = unique_database_name();
  const PgConnection admin = pg_connect(cluster.admin_url());
  pg_exec(admin.get(), "CREATE DATABASE \"" + name + "\"");
  std::string url = cluster.url_for(name);
  return TestDatabase(cluster.admin_url(), std::move(name), std::move(url));
}

TestDatabase::TestDatabase(TestDatabase&& other) noexcept
    : admin_url_(std::move(other.admin_url_)), name_(std::exchange(other.name_, {})), url_(std::move(other.url_)) {}

TestDatabase& TestDatabase::operator=(TestDatabase&& other) noexcept {
  if (this != &other) {
    drop();
    admin_url_ = std::move(other.admin_url_);
    name_ = std::exchange(other.name_, {});
    url_ = std::move(other.url_);
  }
  return *this;
}

TestDatabase::~TestDatabase() { drop(); }

void TestDatabase::drop() noexcept {
  if (name_.empty()) return;
  const std::string name = std::exchange(name_, {});
  try {
    const PgConnection admin = pg_connect(admin_url_);
    pg_exec(admin.get(), "DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
  } catch (const std::exception& e) {
    // The cluster is down (an outage test that ends with it stopped) or gone:
    // the database goes with the cluster.
    std::cerr << "TestDatabase: not dropped: " << e.what() << '\n';
  }
}

}  // namespace mandate::testing
