#include "store/sqlite/sqlite_event_store.h"

#include <mutex>

#include <sqlite3.h>

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
constexpr std::string_view kIndexes = R"sql(
CREATE INDEX IF NOT EXISTS observed_event_source_id ON observed_event(source_id);
CREATE INDEX IF NOT EXISTS observed_event_time ON observed_event(time);
CREATE INDEX IF NOT EXISTS observed_event_actor ON observed_event(actor_id, time);
CREATE INDEX IF NOT EXISTS observed_event_credential ON observed_event(credential);
-- Full indexes, not partial ones: the correlated lookups compare with the
-- outer row's value and SQLite would not use a partial index for them.
CREATE INDEX IF NOT EXISTS observed_event_issued ON observed_event(issued_credential);
CREATE INDEX IF NOT EXISTS observed_event_parent ON observed_event(parent_id);
)sql";

constexpr std::string_view kColumns =
    "id, source, account, time, actor_id, actor_kind, actor_name, credential, credential_kind, "
    "credential_issued, chain, category, action, resource, result, source_address, user_agent, interactive, "
    "signals, issued_credential, reference, origin, parent_id, source_id";

// Links events to the event that issued their credential. Only rows that can
// have changed are looked at: the new ones, and old ones whose credential a
// new row issued (a session imported before the AssumeRole that made it).
// The issuer is the latest issuing event at or before the use; failing
// that (clock skew between sources) the earliest after it; between issuers
// at the same instant, the one stored first. SQLite does not
// let a subquery's ORDER BY name the outer row, hence two subqueries.
constexpr std::string_view kCorrelate = R"sql(
UPDATE observed_event SET parent_id = coalesce(
  (SELECT p.id FROM observed_event p
   WHERE p.issued_credential = observed_event.credential AND p.id != observed_event.id
     AND p.time <= observed_event.time
   ORDER BY p.time DESC, p.seq LIMIT 1),
  (SELECT p.id FROM observed_event p
   WHERE p.issued_credential = observed_event.credential AND p.id != observed_event.id
   ORDER BY p.time, p.seq LIMIT 1))
WHERE parent_id = '' AND credential != ''
  AND (seq > ?1 OR credential IN (SELECT issued_credential FROM observed_event
                                  WHERE seq > ?1 AND issued_credential != ''))
  AND EXISTS (SELECT 1 FROM observed_event p
              WHERE p.issued_credential = observed_event.credential AND p.id != observed_event.id)
)sql";

std::int64_t micros(core::Timestamp t) { return t.time_since_epoch().count(); }
core::Timestamp from_micros(std::int64_t v) { return core::Timestamp(std::chrono::microseconds(v)); }

void bind_event(Statement& s, const core::AuditEvent& e) {
  s.bind(1, e.id).bind(2, e.source).bind(3, e.account).bind(4, micros(e.time));
  s.bind(5, e.actor.id).bind(6, core::to_string(e.actor.kind)).bind(7, e.actor.name);
  s.bind(8, e.credential).bind(9, core::to_string(e.credential_kind));
  if (e.credential_issued_at) s.bind(10, micros(*e.credential_issued_at));
  s.bind(11, encode_chain(e.chain)).bind(12, core::to_string(e.category)).bind(13, e.action);
  s.bind(14, e.resource).bind(15, core::to_string(e.result)).bind(16, e.source_address).bind(17, e.user_agent);
  s.bind(18, std::int64_t{e.interactive ? 1 : 0}).bind(19, encode_signals(e.signals));
  s.bind(20, e.issued_credential).bind(21, e.reference).bind(22, e.origin).bind(23, e.parent_id);
  s.bind(24, e.source_id);
  s.bind_blob(25, std::string_view(e.raw));
}

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
          "UNION SELECT e.id FROM observed_event e JOIN session s ON e.parent_id = s.id) " + sql;
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

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(const std::string& path) : db_(path, Database::Mode::existing) {
    db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
    db_.exec(kSchema);
    add_source_id_column();
    db_.exec(kIndexes);
    insert_.emplace(db_.prepare("INSERT OR IGNORE INTO observed_event (" + std::string(kColumns) +
                                ", raw) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,"
                                "?19,?20,?21,?22,?23,?24,?25)"));
  }

  AddResult add_events(std::span<const core::AuditEvent> events) override {
    std::lock_guard lock(mu_);
    AddResult result;
    db_.exec("BEGIN IMMEDIATE");
    try {
      const std::int64_t before = max_seq();
      for (const auto& e : events) {
        bind_event(*insert_, e);
        insert_->step();
        insert_->reset();
        if (sqlite3_changes(db_.handle()) > 0) {
          ++result.added;
        } else {
          ++result.duplicates;
        }
      }
      Statement correlate = db_.prepare(kCorrelate);
      correlate.bind(1, before);
      correlate.step();
      result.linked = static_cast<std::size_t>(sqlite3_changes(db_.handle()));
      db_.exec("COMMIT");
    } catch (...) {
      insert_->reset();
      db_.exec("ROLLBACK");
      throw;
    }
    return result;
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
  // Homes that imported before events kept their source's record id.
  void add_source_id_column() {
    // Under the write lock: two processes opening an old home add it once.
    db_.exec("BEGIN IMMEDIATE");
    try {
      Statement columns = db_.prepare("SELECT 1 FROM pragma_table_info('observed_event') WHERE name = 'source_id'");
      if (!columns.step()) db_.exec("ALTER TABLE observed_event ADD COLUMN source_id TEXT NOT NULL DEFAULT ''");
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
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
  std::optional<Statement> insert_;
};

}  // namespace

std::unique_ptr<EventStore> open_sqlite_event_store(const std::string& path) {
  return std::make_unique<SqliteEventStore>(path);
}

}  // namespace mandate::store
