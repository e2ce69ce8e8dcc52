#include "store/postgresql/postgresql_event_store.h"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <thread>
#include <type_traits>

#include "core/error.h"
#include "store/internal/event_codec.h"
#include "store/postgresql/internal/connection_pool.h"
#include "store/postgresql/internal/migrations.h"
#include "store/postgresql/internal/transaction.h"

namespace mandate::store {
namespace {

using postgresql::Connection;
using postgresql::ConnectionPool;
using postgresql::Params;
using postgresql::Result;

// The schema version that brought the event tables (migrations.cc).
constexpr int kEventsSchemaVersion = 2;

// An advisory lock key of mandate's own ("mandate" then "e", for events):
// every import holds it until its commit, on every server. Imports then see
// each other whole, as SQLite's one writer at a time does. Without it two
// imports committing together could each miss the other's rows, and a
// session imported by one would never be linked to the AssumeRole imported
// by the other.
constexpr std::int64_t kImportLock = 0x6d616e6461746565;

// A statement carries at most 65535 parameters: 1000 events of 25 columns.
constexpr std::size_t kEventsPerInsert = 1000;
constexpr int kRowsPerFetch = 1000;
// Below this, a table's statistics matter little to the plans.
constexpr std::size_t kRowsWorthAnalyzing = 1000;

constexpr std::string_view kColumns =
    "id, source, account, time, actor_id, actor_kind, actor_name, credential, credential_kind, "
    "credential_issued, chain, category, action, resource, result, source_address, user_agent, interactive, "
    "signals, issued_credential, reference, origin, parent_id, source_id";

// One event's placeholders in kColumns order, then raw; `$` is replaced by
// the parameter's number. An absent credential_issued travels as the empty
// text, which NULLIF turns into NULL (Params has no NULL).
constexpr std::array<std::string_view, 25> kPlaceholders{
    "$::bytea", "$::bytea", "$::bytea", "$::bigint", "$::bytea", "$::text", "$::bytea", "$::bytea",
    "$::text", "NULLIF($::text, '')::bigint", "$::text", "$::text", "$::bytea", "$::bytea", "$::text", "$::bytea",
    "$::bytea", "$::boolean", "$::text", "$::bytea", "$::bytea", "$::bytea", "$::bytea", "$::bytea", "$::bytea"};

// Links events to the event that issued their credential, exactly as the
// SQLite store does (sqlite_event_store.cc): only the rows this import added
// and the rows whose credential it issued are looked at; the issuer is the
// latest issuing event at or before the use, failing that the earliest
// after it, and between issuers at the same instant the one stored first.
// Identifiers are matched on their digest first, to use the indexes.
constexpr std::string_view kLink = R"sql(
UPDATE observed_event e SET parent_id = coalesce(
  (SELECT p.id FROM observed_event p
   WHERE sha256(p.issued_credential) = sha256(e.credential) AND p.issued_credential = e.credential
     AND p.id <> e.id AND p.time <= e.time
   ORDER BY p.time DESC, p.seq LIMIT 1),
  (SELECT p.id FROM observed_event p
   WHERE sha256(p.issued_credential) = sha256(e.credential) AND p.issued_credential = e.credential
     AND p.id <> e.id
   ORDER BY p.time, p.seq LIMIT 1))
WHERE e.parent_id = ''::bytea AND e.credential <> ''::bytea
  AND (e.seq > $1::bigint OR e.seq = ANY (ARRAY(
         SELECT old.seq FROM observed_event old JOIN observed_event issuer
           ON sha256(old.credential) = sha256(issuer.issued_credential) AND old.credential = issuer.issued_credential
         WHERE issuer.seq > $1::bigint AND issuer.issued_credential <> ''::bytea AND old.seq <= $1::bigint)))
  AND EXISTS (SELECT 1 FROM observed_event p
              WHERE sha256(p.issued_credential) = sha256(e.credential) AND p.issued_credential = e.credential
                AND p.id <> e.id)
)sql";

std::int64_t micros(core::Timestamp t) { return t.time_since_epoch().count(); }
core::Timestamp from_micros(std::int64_t v) { return core::Timestamp(std::chrono::microseconds(v)); }

void add_event_params(Params& p, const core::AuditEvent& e) {
  p.bytes(e.id).bytes(e.source).bytes(e.account).integer(micros(e.time));
  p.bytes(e.actor.id).text(std::string(core::to_string(e.actor.kind))).bytes(e.actor.name);
  p.bytes(e.credential).text(std::string(core::to_string(e.credential_kind)));
  p.text(e.credential_issued_at ? std::to_string(micros(*e.credential_issued_at)) : std::string());
  p.text(encode_chain(e.chain)).text(std::string(core::to_string(e.category))).bytes(e.action);
  p.bytes(e.resource).text(std::string(core::to_string(e.result))).bytes(e.source_address).bytes(e.user_agent);
  p.text(e.interactive ? "true" : "false").text(encode_signals(e.signals));
  p.bytes(e.issued_credential).bytes(e.reference).bytes(e.origin).bytes(e.parent_id).bytes(e.source_id);
  p.bytes(e.raw);
}

std::string insert_sql(std::size_t events) {
  std::string sql = "INSERT INTO observed_event (" + std::string(kColumns) + ", raw) VALUES ";
  int number = 0;
  for (std::size_t i = 0; i < events; ++i) {
    sql += i > 0 ? ",(" : "(";
    for (std::size_t col = 0; col < kPlaceholders.size(); ++col) {
      const std::string_view placeholder = kPlaceholders[col];
      const std::size_t dollar = placeholder.find('$');
      if (col > 0) sql += ',';
      sql.append(placeholder.substr(0, dollar + 1)).append(std::to_string(++number)).append(placeholder.substr(dollar + 1));
    }
    sql += ')';
  }
  // A record imported before (by any server), or twice in this batch, is
  // kept once: the first stored wins and the rest count as duplicates.
  return sql + " ON CONFLICT ((sha256(id))) DO NOTHING";
}

// Returns how many of the events were new.
std::size_t insert_events(Connection& c, std::span<const core::AuditEvent> events) {
  Params params;
  for (const core::AuditEvent& e : events) add_event_params(params, e);
  // A full chunk, the common case, is parsed once per connection.
  const Result inserted = events.size() == kEventsPerInsert
                              ? c.prepared("insert_events", insert_sql(events.size()), params)
                              : c.query(insert_sql(events.size()), params);
  return static_cast<std::size_t>(inserted.affected());
}

// The linking step's plan rests on the table's statistics. When an import
// brings more rows than they know of (the first import above all, often
// the largest), they are refreshed first, inside the transaction so they
// count this import's rows: planned for the table PostgreSQL remembers,
// linking a large first import takes minutes instead of seconds.
void refresh_statistics_if_outgrown(Connection& c, std::size_t added) {
  if (added < kRowsWorthAnalyzing) return;
  const std::int64_t known =
      c.prepared("known_rows", "SELECT reltuples::bigint FROM pg_class WHERE oid = 'observed_event'::regclass", Params())
          .integer(0, 0);
  if (known < 0 || added > static_cast<std::size_t>(known)) c.exec("ANALYZE observed_event");  // -1: never analyzed
}

core::AuditEvent read_event(const Result& r, int row) {
  core::AuditEvent e;
  e.id = r.text(row, 0);
  e.source = r.text(row, 1);
  e.account = r.text(row, 2);
  e.time = from_micros(r.integer(row, 3));
  e.actor.id = r.text(row, 4);
  e.actor.kind = core::parse_principal_kind(r.bytes(row, 5)).value_or(core::PrincipalKind::unknown);
  e.actor.name = r.text(row, 6);
  e.credential = r.text(row, 7);
  e.credential_kind = core::parse_credential_kind(r.bytes(row, 8)).value_or(core::CredentialKind::none);
  if (!r.is_null(row, 9)) e.credential_issued_at = from_micros(r.integer(row, 9));
  e.chain = decode_chain(r.bytes(row, 10));
  e.category = core::parse_event_category(r.bytes(row, 11)).value_or(core::EventCategory::action);
  e.action = r.text(row, 12);
  e.resource = r.text(row, 13);
  e.result = core::parse_event_result(r.bytes(row, 14)).value_or(core::EventResult::unknown);
  e.source_address = r.text(row, 15);
  e.user_agent = r.text(row, 16);
  e.interactive = r.bytes(row, 17) == std::string_view("\x01", 1);  // a boolean in binary format
  e.signals = decode_signals(r.bytes(row, 18));
  e.issued_credential = r.text(row, 19);
  e.reference = r.text(row, 20);
  e.origin = r.text(row, 21);
  e.parent_id = r.text(row, 22);
  e.source_id = r.text(row, 23);
  e.raw = r.text(row, 24);
  return e;
}

// The statement behind scan_events, its parameters numbered as the clauses
// that are present need them (PostgreSQL refuses a parameter it never sees).
std::string select_sql(const EventQuery& q, Params& params) {
  int number = 0;
  const auto next = [&] { return "$" + std::to_string(++number); };
  std::string with;
  std::string where;
  const auto add = [&](const std::string& clause) { where += (where.empty() ? " WHERE " : " AND ") + clause; };
  if (q.session) {
    params.bytes(*q.session);
    const std::string session = next() + "::bytea";
    with = "WITH RECURSIVE session(seq, id) AS (SELECT seq, id FROM observed_event WHERE sha256(credential) = sha256(" +
           session + ") AND credential = " + session +
           " UNION SELECT e.seq, e.id FROM observed_event e JOIN session s "
           "ON sha256(e.parent_id) = sha256(s.id) AND e.parent_id = s.id) ";
    add("seq IN (SELECT seq FROM session)");
  }
  if (q.since) {
    params.integer(micros(*q.since));
    add("time >= " + next() + "::bigint");
  }
  if (q.until) {
    params.integer(micros(*q.until));
    add("time < " + next() + "::bigint");
  }
  if (q.actor) {
    params.bytes(*q.actor);
    const std::string actor = next() + "::bytea";
    add("sha256(actor_id) = sha256(" + actor + ") AND actor_id = " + actor);
  }
  if (q.credential) {
    params.bytes(*q.credential);
    const std::string credential = next() + "::bytea";
    add("sha256(credential) = sha256(" + credential + ") AND credential = " + credential);
  }
  if (q.category) {
    params.text(std::string(core::to_string(*q.category)));
    add("category = " + next() + "::text");
  }
  if (q.source_id) {
    params.bytes(*q.source_id);
    const std::string source_id = next() + "::bytea";
    add("sha256(source_id) = sha256(" + source_id + ") AND source_id = " + source_id);
  }
  return with + "SELECT " + std::string(kColumns) + (q.with_raw ? ", raw" : ", ''::bytea") + " FROM observed_event" +
         where + " ORDER BY time, seq";
}

std::string describe(const ConnectionSettings& settings) {
  return "the database " + postgresql::describe_server(settings.url);
}

void check_schema(const ConnectionSettings& settings) {
  Connection c(settings);
  const int version = postgresql::schema_version(c);
  const int expected = postgresql_schema_version();
  if (version == 0) {
    fail(ErrorKind::bad_input, describe(settings) + " holds no mandate store (run `mandate init` with this store)");
  }
  if (version < expected) {
    const std::string why = version < kEventsSchemaVersion ? " (imported events came with version " +
                                                                 std::to_string(kEventsSchemaVersion) + ")"
                                                           : "";
    fail(ErrorKind::bad_input, describe(settings) + " has schema version " + std::to_string(version) +
                                   ", this mandate reads " + std::to_string(expected) + why +
                                   ": run `mandate store migrate`");
  }
  if (version > expected) {
    fail(ErrorKind::bad_input, describe(settings) + " has schema version " + std::to_string(version) +
                                   ", made by a newer mandate than this one (" + std::to_string(expected) + ")");
  }
}

class PostgresEventStore final : public EventStore {
 public:
  explicit PostgresEventStore(ConnectionSettings settings) : pool_(std::move(settings)) {}

  AddResult add_events(std::span<const core::AuditEvent> events) override {
    auto c = pool_.acquire();
    return postgresql::in_transaction(*c, "BEGIN", [&] {
      c->prepared("lock_imports", "SELECT pg_advisory_xact_lock($1::bigint)", Params().integer(kImportLock));
      // The linking step's row estimates are poor (most events share the
      // empty credential), enough to make PostgreSQL compile it to machine
      // code: hundreds of milliseconds per import, for a statement that
      // runs in a few.
      c->exec("SET LOCAL jit = off");
      // Under the lock, every row stored before has a smaller seq than any
      // this import adds: the linking step tells its own rows by that.
      const std::int64_t before =
          c->prepared("last_seq", "SELECT coalesce(max(seq), 0)::bigint FROM observed_event", Params()).integer(0, 0);
      AddResult result;
      for (std::size_t start = 0; start < events.size(); start += kEventsPerInsert) {
        const auto chunk = events.subspan(start, std::min(kEventsPerInsert, events.size() - start));
        const std::size_t added = insert_events(*c, chunk);
        result.added += added;
        result.duplicates += chunk.size() - added;
      }
      refresh_statistics_if_outgrown(*c, result.added);
      // Planned afresh each time, for this import's `before`: a plan made
      // for any value would have to assume a third of the table is new.
      result.linked = static_cast<std::size_t>(c->query(kLink, Params().integer(before)).affected());
      return result;
    });
  }

  // The scan reads through a cursor in one snapshot, a page at a time, and
  // lends its connection to the reads the visitor makes meanwhile (the
  // analyzer looks up a credential's issuer): they see the same snapshot,
  // as they do on SQLite's one connection, and need no second connection
  // from the pool.
  void scan_events(const EventQuery& query, const std::function<bool(const core::AuditEvent&)>& visit) override {
    Params params;
    const std::string sql = select_sql(query, params);
    if (Connection* scanning = this_threads_scan()) {  // a visitor scanning again
      scan_through(*scanning, sql, params, visit);
      return;
    }
    auto c = pool_.acquire();
    postgresql::in_transaction(*c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", [&] {
      const LentToVisitor lent(*this, *c);
      scan_through(*c, sql, params, visit);
    });
  }

  std::optional<core::AuditEvent> event(const std::string& id) override {
    return read([&](Connection& c) -> std::optional<core::AuditEvent> {
      Result r = c.prepared("event",
                            "SELECT " + std::string(kColumns) +
                                ", raw FROM observed_event WHERE sha256(id) = sha256($1::bytea) AND id = $1::bytea",
                            Params().bytes(id));
      if (r.rows() == 0) return std::nullopt;
      return read_event(r, 0);
    });
  }

  std::size_t event_count() override {
    return read([](Connection& c) {
      return static_cast<std::size_t>(c.prepared("event_count", "SELECT count(*) FROM observed_event", Params()).integer(0, 0));
    });
  }

 private:
  // This thread's scan in progress: its connection, and how many cursors
  // are open on it (nested scans name theirs by depth).
  struct Scan {
    Connection* connection = nullptr;
    int cursors = 0;
  };

  // Registers a scan's connection for its thread while the visitor runs.
  class LentToVisitor {
   public:
    LentToVisitor(PostgresEventStore& store, Connection& c) : store_(store) {
      std::lock_guard lock(store_.scans_mu_);
      store_.scans_[std::this_thread::get_id()] = Scan{&c, 0};
    }
    ~LentToVisitor() {
      std::lock_guard lock(store_.scans_mu_);
      store_.scans_.erase(std::this_thread::get_id());
    }
    LentToVisitor(const LentToVisitor&) = delete;
    LentToVisitor& operator=(const LentToVisitor&) = delete;

   private:
    PostgresEventStore& store_;
  };

  Connection* this_threads_scan() {
    std::lock_guard lock(scans_mu_);
    const auto it = scans_.find(std::this_thread::get_id());
    return it == scans_.end() ? nullptr : it->second.connection;
  }

  int open_cursor() {
    std::lock_guard lock(scans_mu_);
    return ++scans_.at(std::this_thread::get_id()).cursors;
  }

  void close_cursor() {
    std::lock_guard lock(scans_mu_);
    --scans_.at(std::this_thread::get_id()).cursors;
  }

  template <class Read>
  std::invoke_result_t<Read&, Connection&> read(Read&& read_with) {
    if (Connection* scanning = this_threads_scan()) return read_with(*scanning);
    auto c = pool_.acquire();
    return read_with(*c);
  }

  void scan_through(Connection& c, const std::string& sql, const Params& params,
                    const std::function<bool(const core::AuditEvent&)>& visit) {
    const int depth = open_cursor();
    const std::string cursor = "event_scan_" + std::to_string(depth);
    try {
      c.query("DECLARE " + cursor + " NO SCROLL CURSOR FOR " + sql, params);
      const std::string fetch = "FETCH FORWARD " + std::to_string(kRowsPerFetch) + " FROM " + cursor;
      bool more = true;
      while (more) {
        Result page = c.query(fetch, Params());
        for (int i = 0; more && i < page.rows(); ++i) more = visit(read_event(page, i));
        more = more && page.rows() == kRowsPerFetch;
      }
      c.exec("CLOSE " + cursor);
    } catch (...) {
      close_cursor();
      // A nested scan's cursor must not outlive it: the visitor may go on,
      // and the next scan at this depth reuses the name. The outermost
      // scan's rollback closes everything.
      if (depth > 1) close_quietly(c, cursor);
      throw;
    }
    close_cursor();
  }

  static void close_quietly(Connection& c, const std::string& cursor) {
    if (!c.usable()) return;
    try {
      c.exec("CLOSE " + cursor);
    } catch (const Error&) {
      // The transaction failed: the outermost scan fails with it.
    }
  }

  ConnectionPool pool_;
  std::mutex scans_mu_;
  std::map<std::thread::id, Scan> scans_;
};

}  // namespace

std::unique_ptr<EventStore> open_postgresql_event_store(const ConnectionSettings& settings) {
  check_connection_url(settings.url);
  check_schema(settings);
  return std::make_unique<PostgresEventStore>(settings);
}

}  // namespace mandate::store
