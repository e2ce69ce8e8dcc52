#include "store/sqlite/sqlite_event_store.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <sqlite3.h>

#include "core/error.h"
#include "store/internal/event_codec.h"
#include "store/sqlite/internal/sqlite_db.h"

namespace mandate::store {
namespace {

using sqlite::Database;
using sqlite::Statement;

// Created idempotently: the tables appear the first time anything imports
// into a home, next to (never inside) the ledger's tables.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS observed_event (
  seq               INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  source            TEXT NOT NULL,
  account           TEXT NOT NULL,
  time              INTEGER NOT NULL,
  actor_id          TEXT NOT NULL,
  actor_kind        TEXT NOT NULL,
  actor_name        TEXT NOT NULL,
  credential        TEXT NOT NULL,
  credential_kind   TEXT NOT NULL,
  credential_issued INTEGER,
  chain             TEXT NOT NULL,
  category          TEXT NOT NULL,
  action            TEXT NOT NULL,
  resource          TEXT NOT NULL,
  result            TEXT NOT NULL,
  source_address    TEXT NOT NULL,
  user_agent        TEXT NOT NULL,
  interactive       INTEGER NOT NULL,
  signals           TEXT NOT NULL,
  issued_credential TEXT NOT NULL,
  reference         TEXT NOT NULL,
  origin            TEXT NOT NULL,
  parent_id         TEXT NOT NULL,
  raw               BLOB NOT NULL,
  source_id         TEXT NOT NULL DEFAULT ''
);
)sql";

// After the table, and after a table from before source_id has gained it.
// The issuer and parent indexes are partial: most events issue nothing and
// have no parent, and an import pays for every index entry it writes. Their
// queries name the same condition, so SQLite uses them (the correlation is
// done here, not by a correlated UPDATE that could not).
constexpr std::string_view kIndexes = R"sql(
CREATE INDEX IF NOT EXISTS observed_event_source_id ON observed_event(source_id);
CREATE INDEX IF NOT EXISTS observed_event_time ON observed_event(time);
CREATE INDEX IF NOT EXISTS observed_event_actor ON observed_event(actor_id, time);
CREATE INDEX IF NOT EXISTS observed_event_credential ON observed_event(credential);
CREATE INDEX IF NOT EXISTS observed_event_issuer ON observed_event(issued_credential) WHERE issued_credential != '';
CREATE INDEX IF NOT EXISTS observed_event_child ON observed_event(parent_id) WHERE parent_id != '';
)sql";

// The full indexes they replace, dropped from homes that have them.
constexpr std::array<std::string_view, 2> kReplacedIndexes{"observed_event_issued", "observed_event_parent"};

constexpr std::string_view kColumns =
    "id, source, account, time, actor_id, actor_kind, actor_name, credential, credential_kind, "
    "credential_issued, chain, category, action, resource, result, source_address, user_agent, interactive, "
    "signals, issued_credential, reference, origin, parent_id, source_id";

// The events that issued a credential, and the unlinked events that used
// one, found by the indexes above.
constexpr std::string_view kIssuersOf =
    "SELECT seq, time, id FROM observed_event WHERE issued_credential = ?1 AND issued_credential != ''";
constexpr std::string_view kUnlinkedUsersOf =
    "SELECT seq, time FROM observed_event WHERE credential = ?1 AND parent_id = '' AND seq <= ?2";
constexpr std::string_view kLink = "UPDATE observed_event SET parent_id = ?1 WHERE seq = ?2";

std::int64_t micros(core::Timestamp t) { return t.time_since_epoch().count(); }
core::Timestamp from_micros(std::int64_t v) { return core::Timestamp(std::chrono::microseconds(v)); }

// The insert of one event, its values bound without a copy (SQLITE_STATIC:
// the event and its encoded chain and signals outlive the step). An import
// binds 25 values per event, the raw record among them.
class EventInsert {
 public:
  explicit EventInsert(sqlite3* db) : db_(db) {
    const std::string sql = "INSERT OR IGNORE INTO observed_event (" + std::string(kColumns) +
                            ", raw) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,"
                            "?19,?20,?21,?22,?23,?24,?25)";
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) !=
        SQLITE_OK) {
      sqlite::throw_sqlite(db_, "cannot prepare statement");
    }
  }
  ~EventInsert() { sqlite3_finalize(stmt_); }
  EventInsert(const EventInsert&) = delete;
  EventInsert& operator=(const EventInsert&) = delete;

  // True when stored; false when an event with its id already was.
  bool add(const core::AuditEvent& e) {
    const std::string chain = encode_chain(e.chain);
    const std::string signals = encode_signals(e.signals);
    text(1, e.id).text(2, e.source).text(3, e.account).integer(4, micros(e.time));
    text(5, e.actor.id).text(6, core::to_string(e.actor.kind)).text(7, e.actor.name);
    text(8, e.credential).text(9, core::to_string(e.credential_kind));
    if (e.credential_issued_at) integer(10, micros(*e.credential_issued_at));
    text(11, chain).text(12, core::to_string(e.category)).text(13, e.action);
    text(14, e.resource).text(15, core::to_string(e.result)).text(16, e.source_address).text(17, e.user_agent);
    integer(18, e.interactive ? 1 : 0).text(19, signals);
    text(20, e.issued_credential).text(21, e.reference).text(22, e.origin).text(23, e.parent_id);
    text(24, e.source_id);
    sqlite3_bind_blob64(stmt_, 25, e.raw.data(), e.raw.size(), SQLITE_STATIC);
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_DONE) fail_step(rc);
    reset();
    return sqlite3_changes(db_) > 0;
  }

  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  // As Statement::step fails: a constraint (a trigger's refusal) is a conflict.
  [[noreturn]] void fail_step(int rc) {
    const std::string message = sqlite3_errmsg(db_);
    reset();
    if (rc == SQLITE_CONSTRAINT) fail(ErrorKind::conflict, "constraint failed: " + message);
    sqlite::throw_sqlite(db_, "statement failed");
  }

  EventInsert& text(int pos, std::string_view value) {
    sqlite3_bind_text64(stmt_, pos, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
    return *this;
  }
  EventInsert& integer(int pos, std::int64_t value) {
    sqlite3_bind_int64(stmt_, pos, value);
    return *this;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

core::AuditEvent read_event(const Statement& s) {
  core::AuditEvent e;
  e.id = s.column_text(0);
  e.source = s.column_text(1);
  e.account = s.column_text(2);
  e.time = from_micros(s.column_int(3));
  e.actor.id = s.column_text(4);
  e.actor.kind = core::parse_principal_kind(s.column_view(5)).value_or(core::PrincipalKind::unknown);
  e.actor.name = s.column_text(6);
  e.credential = s.column_text(7);
  e.credential_kind = core::parse_credential_kind(s.column_view(8)).value_or(core::CredentialKind::none);
  if (!s.column_is_null(9)) e.credential_issued_at = from_micros(s.column_int(9));
  e.chain = decode_chain(s.column_view(10));
  e.category = core::parse_event_category(s.column_view(11)).value_or(core::EventCategory::action);
  e.action = s.column_text(12);
  e.resource = s.column_text(13);
  e.result = core::parse_event_result(s.column_view(14)).value_or(core::EventResult::unknown);
  e.source_address = s.column_text(15);
  e.user_agent = s.column_text(16);
  e.interactive = s.column_int(17) != 0;
  e.signals = decode_signals(s.column_view(18));
  e.issued_credential = s.column_text(19);
  e.reference = s.column_text(20);
  e.origin = s.column_text(21);
  e.parent_id = s.column_text(22);
  e.source_id = s.column_text(23);
  e.raw = s.column_blob(24);
  return e;
}

std::string select_sql(const EventQuery& q) {
  std::string sql = "SELECT " + std::string(kColumns) + (q.with_raw ? ", raw" : ", ''") + " FROM observed_event";
  std::string where;
  auto add = [&](std::string_view clause) { where += (where.empty() ? " WHERE " : " AND ") + std::string(clause); };
  if (q.since) add("time >= ?1");
  if (q.until) add("time < ?2");
  if (q.actor) add("actor_id = ?3");
  if (q.credential) add("credential = ?4");
  if (q.category) add("category = ?6");
  if (q.source_id) add("source_id = ?7");
  if (q.session) add("id IN session");
  if (q.session) {
    sql = "WITH RECURSIVE session(id) AS (SELECT id FROM observed_event WHERE credential = ?5 "
          "UNION SELECT e.id FROM observed_event e JOIN session s ON e.parent_id = s.id WHERE e.parent_id != '') " + sql;
  }
  return sql + where + " ORDER BY time, seq";
}

// Numbered parameters, so a clause that is absent leaves its number unused.
void bind_query(Statement& s, const EventQuery& q) {
  if (q.since) s.bind(1, micros(*q.since));
  if (q.until) s.bind(2, micros(*q.until));
  if (q.actor) s.bind(3, *q.actor);
  if (q.credential) s.bind(4, *q.credential);
  if (q.session) s.bind(5, *q.session);
  if (q.category) s.bind(6, core::to_string(*q.category));
  if (q.source_id) s.bind(7, *q.source_id);
}

// A stored event as correlation sees it: where it is (seq orders events
// stored at the same instant) and when it happened.
struct StoredAt {
  std::int64_t seq = 0;
  std::int64_t time = 0;
};

struct Issuer {
  StoredAt at;
  std::string id;
};

// The issuer of a credential used at `use`: the latest issuer at or before
// the use; failing that (clock skew between sources) the earliest after it;
// between issuers at the same instant, the one stored first. An event never
// issued its own credential. `issuers` is sorted by (time, seq).
const Issuer* issuer_for(const std::vector<Issuer>& issuers, StoredAt use) {
  auto first_other = [&](auto from, auto to) -> const Issuer* {
    for (auto it = from; it != to; ++it) {
      if (it->at.seq != use.seq) return &*it;
    }
    return nullptr;
  };
  auto end = std::upper_bound(issuers.begin(), issuers.end(), use.time,
                              [](std::int64_t t, const Issuer& i) { return t < i.at.time; });
  while (end != issuers.begin()) {
    // The run of issuers at the latest instant before `end`, first stored first.
    const std::int64_t instant = std::prev(end)->at.time;
    auto run = std::lower_bound(issuers.begin(), end, instant,
                                [](const Issuer& i, std::int64_t t) { return i.at.time < t; });
    if (const Issuer* found = first_other(run, end)) return found;
    end = run;
  }
  return first_other(issuers.begin(), issuers.end());
}

// What one import stored that correlation must look at: the new events that
// used a credential and came without a parent, and the credentials new
// events issued (whose earlier, unlinked users can now be linked).
class PendingLinks {
 public:
  void stored(const core::AuditEvent& e, std::int64_t seq) {
    if (!e.credential.empty() && e.parent_id.empty()) users_[e.credential].push_back({seq, micros(e.time)});
    if (!e.issued_credential.empty()) issued_.insert(e.issued_credential);
  }

  // Links them, inside the import's transaction; returns how many were.
  std::size_t link(Database& db, std::int64_t stored_before) const {
    Statement issuers_of = db.prepare(kIssuersOf);
    Statement unlinked = db.prepare(kUnlinkedUsersOf);
    Statement set_parent = db.prepare(kLink);
    std::size_t linked = 0;
    auto link_all = [&](const std::vector<Issuer>& issuers, const std::vector<StoredAt>& users) {
      for (const StoredAt& use : users) {
        if (const Issuer* issuer = issuer_for(issuers, use)) {
          set_parent.bind(1, issuer->id).bind(2, use.seq);
          set_parent.step();
          set_parent.reset();
          ++linked;
        }
      }
    };
    for (const auto& [credential, users] : users_) {
      const auto issuers = find_issuers(issuers_of, credential);
      if (!issuers.empty()) link_all(issuers, users);
    }
    for (const std::string& credential : issued_) {
      const auto earlier = find_unlinked(unlinked, credential, stored_before);
      if (!earlier.empty()) link_all(find_issuers(issuers_of, credential), earlier);
    }
    return linked;
  }

 private:
  static std::vector<Issuer> find_issuers(Statement& s, const std::string& credential) {
    std::vector<Issuer> issuers;
    s.bind(1, credential);
    while (s.step()) issuers.push_back({{s.column_int(0), s.column_int(1)}, s.column_text(2)});
    s.reset();
    std::sort(issuers.begin(), issuers.end(), [](const Issuer& a, const Issuer& b) {
      return a.at.time != b.at.time ? a.at.time < b.at.time : a.at.seq < b.at.seq;
    });
    return issuers;
  }

  static std::vector<StoredAt> find_unlinked(Statement& s, const std::string& credential, std::int64_t stored_before) {
    std::vector<StoredAt> users;
    s.bind(1, credential).bind(2, stored_before);
    while (s.step()) users.push_back({s.column_int(0), s.column_int(1)});
    s.reset();
    return users;
  }

  std::unordered_map<std::string, std::vector<StoredAt>> users_;
  std::unordered_set<std::string> issued_;
};

// An import's pages stay in memory until it commits: with SQLite's default
// 2 MB cache a large import spilled them to the WAL and read the index pages
// back (a fifth of an import's time). Up to 128 MiB while adding, given back
// after, so a long-lived connection (the server's) does not keep it.
class LargeCache {
 public:
  explicit LargeCache(Database& db) : db_(db) { db_.exec("PRAGMA cache_size=-131072"); }
  ~LargeCache() {
    try {
      db_.exec("PRAGMA cache_size=-2000");
    } catch (...) {  // only a smaller cache is lost
    }
  }
  LargeCache(const LargeCache&) = delete;
  LargeCache& operator=(const LargeCache&) = delete;

 private:
  Database& db_;
};

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(const std::string& path) : db_(path, Database::Mode::existing) {
    db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
    db_.exec(kSchema);
    migrate();
    db_.exec(kIndexes);
    insert_.emplace(db_.handle());
  }

  AddResult add_events(std::span<const core::AuditEvent> events) override {
    return add_in_one_transaction([&](const auto& store) { store(events); });
  }

  AddResult add_event_batches(const EventBatches& next) override {
    return add_in_one_transaction([&](const auto& store) {
      for (auto batch = next(); !batch.empty(); batch = next()) store(batch);
    });
  }

  void scan_events(const EventQuery& query, const std::function<bool(const core::AuditEvent&)>& visit) override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare(select_sql(query));
    bind_query(s, query);
    while (s.step()) {
      if (!visit(read_event(s))) break;
    }
  }

  std::optional<core::AuditEvent> event(const std::string& id) override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("SELECT " + std::string(kColumns) + ", raw FROM observed_event WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_event(s);
  }

  std::size_t event_count() override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("SELECT count(*) FROM observed_event");
    s.step();
    return static_cast<std::size_t>(s.column_int(0));
  }

 private:
  // Homes that imported before events kept their source's record id, or
  // before the issuer and parent indexes were partial.
  void migrate() {
    // Under the write lock: two processes opening an old home add it once.
    db_.exec("BEGIN IMMEDIATE");
    try {
      // Each query is finished before the schema changes: SQLite refuses to
      // drop an index while a statement is still reading the schema.
      auto exists = [&](std::string_view sql, std::string_view name) {
        Statement s = db_.prepare(sql);
        s.bind(1, name);
        return s.step();
      };
      if (!exists("SELECT 1 FROM pragma_table_info('observed_event') WHERE name = ?1", "source_id")) {
        db_.exec("ALTER TABLE observed_event ADD COLUMN source_id TEXT NOT NULL DEFAULT ''");
      }
      for (const std::string_view index : kReplacedIndexes) {
        if (exists("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1", index)) {
          db_.exec("DROP INDEX " + std::string(index));
        }
      }
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
  }

  // `feed` hands every event to the function it is given, a span at a time.
  template <class Feed>
  AddResult add_in_one_transaction(const Feed& feed) {
    std::lock_guard lock(mu_);
    const LargeCache cache(db_);
    AddResult result;
    db_.exec("BEGIN IMMEDIATE");
    try {
      const std::int64_t before = max_seq();
      PendingLinks pending;
      feed([&](std::span<const core::AuditEvent> events) { insert(events, result, pending); });
      result.linked = pending.link(db_, before);
      db_.exec("COMMIT");
    } catch (...) {
      insert_->reset();
      db_.exec("ROLLBACK");
      throw;
    }
    return result;
  }

  void insert(std::span<const core::AuditEvent> events, AddResult& result, PendingLinks& pending) {
    for (const auto& e : events) {
      if (insert_->add(e)) {
        ++result.added;
        pending.stored(e, sqlite3_last_insert_rowid(db_.handle()));
      } else {
        ++result.duplicates;
      }
    }
  }

  std::int64_t max_seq() {
    Statement s = db_.prepare("SELECT coalesce(max(seq), 0) FROM observed_event");
    s.step();
    return s.column_int(0);
  }

  // Recursive: a visitor of scan_events may look up another event (the
  // analyzer reads a credential's issuer that lies before its window).
  std::recursive_mutex mu_;
  Database db_;
  std::optional<EventInsert> insert_;
};

}  // namespace

std::unique_ptr<EventStore> open_sqlite_event_store(const std::string& path) {
  return std::make_unique<SqliteEventStore>(path);
}

}  // namespace mandate::store
