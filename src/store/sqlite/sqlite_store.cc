#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>

#include <sqlite3.h>

#include "core/error.h"
#include "store/commit_latency.h"
#include "store/sqlite/internal/sqlite_db.h"
#include "store/internal/chunked_scan.h"
#include "store/sqlite/internal/sqlite_readers.h"
#include "store/sqlite/internal/wal_checkpointer.h"

namespace mandate::store {
namespace {

using sqlite::Database;
using sqlite::Statement;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE mandate_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE ledger_entry (
  idx       INTEGER PRIMARY KEY,
  leaf_hash BLOB NOT NULL,
  nodes     BLOB NOT NULL,
  type      TEXT NOT NULL,
  body      BLOB NOT NULL
);
CREATE TABLE ledger_checkpoint (
  size INTEGER PRIMARY KEY,
  note TEXT NOT NULL
);
)sql";

// Added after the first release of the format: created when missing, so a
// store made before the workflow existed opens unchanged.
constexpr std::string_view kRecordSchema = R"sql(
CREATE TABLE IF NOT EXISTS state_record (
  kind    TEXT NOT NULL,
  id      TEXT NOT NULL,
  ref     TEXT NOT NULL,
  version INTEGER NOT NULL,
  body    TEXT NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS state_record_by_set_ref ON state_record(kind, ref, id) WHERE ref <> '';
)sql";

// Until 2026-12-06 every record was indexed by ref, an empty one too. A
// record with no ref (a seen proof, a use count) is never looked up by it,
// and its index entry was one more page to write in every commit that puts
// one, so the index holds set refs only.
constexpr std::string_view kIndexOfEveryRef = "state_record_by_ref";

Hash to_hash(std::string_view blob) {
  Hash h{};
  if (blob.size() != h.size()) fail(ErrorKind::check_failed, "stored hash has " + std::to_string(blob.size()) + " bytes");
  std::copy(blob.begin(), blob.end(), h.begin());
  return h;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, Database::Mode mode) : db_(path, mode), readers_(path) {
    if (mode == Database::Mode::create) {
      // 16 KiB pages, set before the first table (a WAL database keeps its
      // page size for good): imported records are ~1 KB each and an import
      // writes tens of thousands at once; with 4 KiB pages a 20-file import
      // ran 39k records/s, with 16 KiB 54k (docs/BENCHMARKS.md). Homes made
      // before keep their 4 KiB pages.
      db_.exec("PRAGMA page_size=16384");
      initialize();
    } else {
      check_format(path);
    }
    db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    db_.exec(kRecordSchema);
    drop_index_of_every_ref();
    prepare();
    checkpointer_.emplace(path, db_);
  }

  std::uint64_t ledger_size() override {
    auto reader = readers_.lease();
    return size_in(reader->select_size);
  }

  void append_sequenced(const Sequencer& sequence) override {
    std::lock_guard lock(mu_);
    const auto started = std::chrono::steady_clock::now();
    // IMMEDIATE takes the write lock first, so no other process can move
    // the ledger between reading its size and committing.
    db_.exec("BEGIN IMMEDIATE");
    try {
      const std::uint64_t size = size_locked();
      const NodeReader nodes = [this](std::span<const NodeId> ids) {
        std::vector<std::optional<Hash>> out;
        out.reserve(ids.size());
        for (const NodeId& id : ids) out.push_back(node_locked(id));
        return out;
      };
      const Sequenced appended = sequence(size, nodes);
      check_continues(appended.rows, size);
      for (const LedgerRow& row : appended.rows) {
        // Bound without copies: the row lives until after the step, and the
        // reset below (or in the catch) drops the bindings.
        insert_entry_->bind(1, static_cast<std::int64_t>(row.index))
            .bind_borrowed_blob(2, std::string_view(reinterpret_cast<const char*>(row.leaf_hash.data()), row.leaf_hash.size()))
            .bind_borrowed_blob(3, row.nodes)
            .bind_borrowed_text(4, row.type)
            .bind_borrowed_blob(5, row.body);
        insert_entry_->step();
        insert_entry_->reset();
      }
      for (const RecordPut& put : appended.puts) apply_put(put);
      db_.exec("COMMIT");
      latency_.observe(std::chrono::steady_clock::now() - started);
    } catch (...) {
      insert_entry_->reset();
      select_version_->reset();
      select_node_row_->reset();
      upsert_record_->reset();
      insert_new_record_->reset();
      update_known_record_->reset();
      db_.exec("ROLLBACK");
      throw;
    }
  }

  std::optional<LedgerRow> ledger_row(std::uint64_t index) override {
    auto reader = readers_.lease();
    Statement& s = reader->select_entry;
    s.bind(1, static_cast<std::int64_t>(index));
    std::optional<LedgerRow> row;
    if (s.step()) read_row(s, row.emplace());
    s.reset();
    return row;
  }

  std::optional<Hash> ledger_node(unsigned level, std::uint64_t index) override {
    auto reader = readers_.lease();
    return node_in(reader->select_node_row, {level, index});
  }

  std::vector<std::optional<Hash>> ledger_nodes(std::span<const NodeId> ids) override {
    auto reader = readers_.lease();
    // One read transaction instead of one per statement: the WAL read lock
    // is taken once for the whole proof.
    std::vector<std::optional<Hash>> out;
    out.reserve(ids.size());
    reader->begin_read();
    for (const NodeId& id : ids) out.push_back(node_in(reader->select_node_row, id));
    reader->end_read();
    return out;
  }

  std::vector<std::optional<Hash>> ledger_node_range(unsigned level, std::uint64_t first,
                                                     std::uint64_t count) override {
    std::vector<std::optional<Hash>> out(count);
    if (count == 0) return out;
    const auto [first_row, step] = node_rows(level, first, count);
    auto reader = readers_.lease();
    // One statement: SQLite walks the rows the nodes live in (every
    // 2^level-th) by their keys, inside one implicit read transaction.
    Statement& s = reader->select_node_range;
    s.bind(1, static_cast<std::int64_t>(first_row))
        .bind(2, static_cast<std::int64_t>(step))
        .bind(3, static_cast<std::int64_t>(first_row + (count - 1) * step));
    while (s.step()) {
      const auto row = static_cast<std::uint64_t>(s.column_int(0));
      const std::uint64_t position = ((row + 1) >> level) - 1 - first;
      if (position < count) out[position] = node_in_row(level, s.column_view(1), s.column_view(2));
    }
    s.reset();
    return out;
  }

  void scan_ledger(std::uint64_t from, std::uint64_t to,
                   const std::function<bool(const LedgerRow&)>& visit) override {
    // On a reader: see internal/chunked_scan.h.
    scan_in_chunks(from, to, [this](std::uint64_t start, std::uint64_t end, std::vector<LedgerRow>& rows) {
      std::size_t count = 0;
      auto reader = readers_.lease();
      Statement& s = reader->scan_entries;
      s.bind(1, static_cast<std::int64_t>(start)).bind(2, static_cast<std::int64_t>(end));
      while (s.step()) read_row(s, next_row(rows, count));
      s.reset();
      return count;
    }, visit);
  }

  void scan_ledger_bodies(std::uint64_t from, std::uint64_t to, std::span<const std::string_view> skipped_types,
                          const std::function<bool(const LedgerRow&)>& visit) override {
    std::string sql = "SELECT idx, type, body FROM ledger_entry WHERE idx >= ?1 AND idx < ?2";
    if (!skipped_types.empty()) {
      sql += " AND type NOT IN (";
      for (std::size_t i = 0; i < skipped_types.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 3);
      sql += ")";
    }
    sql += " ORDER BY idx";
    scan_in_chunks(from, to, [&](std::uint64_t start, std::uint64_t end, std::vector<LedgerRow>& rows) {
      std::size_t count = 0;
      auto reader = readers_.lease();
      Statement s(reader->db.handle(), sql);
      s.bind(1, static_cast<std::int64_t>(start)).bind(2, static_cast<std::int64_t>(end));
      for (std::size_t i = 0; i < skipped_types.size(); ++i) s.bind(static_cast<int>(i + 3), skipped_types[i]);
      while (s.step()) {
        LedgerRow& row = next_row(rows, count);
        row.index = static_cast<std::uint64_t>(s.column_int(0));
        row.type.assign(s.column_view(1));
        row.body.assign(s.column_view(2));
      }
      return count;
    }, visit);
  }

  // Point reads go to a reader: they see the last commit and do not wait
  // for the one in flight (nor hold the writer's lock while they read).
  std::int64_t record_version(const std::string& kind, const std::string& id) override {
    auto reader = readers_.lease();
    Statement& s = reader->select_version;
    s.bind(1, kind).bind(2, id);
    const std::int64_t version = s.step() ? s.column_int(0) : kAbsent;
    s.reset();
    return version;
  }

  std::vector<std::int64_t> record_versions(std::span<const std::pair<std::string, std::string>> keys) override {
    return each_key(keys, &sqlite::Reader::select_version, std::int64_t{kAbsent},
                    [](Statement& s, const std::string&, const std::string&) { return s.column_int(0); });
  }

  std::vector<std::optional<Record>> records_at(std::span<const std::pair<std::string, std::string>> keys) override {
    return each_key(keys, &sqlite::Reader::select_record, std::optional<Record>(), [](Statement& s, const std::string& kind, const std::string& id) {
      return std::optional<Record>(record_in(s, kind, id));
    });
  }

  std::optional<Record> record(const std::string& kind, const std::string& id) override {
    auto reader = readers_.lease();
    Statement& s = reader->select_record;
    s.bind(1, kind).bind(2, id);
    std::optional<Record> out;
    if (s.step()) out = record_in(s, kind, id);
    s.reset();
    return out;
  }

  std::vector<Record> records(const std::string& kind, const std::optional<std::string>& ref) override {
    auto reader = readers_.lease();
    // The index holds set refs only: records with no ref are found among
    // all of the kind.
    const bool by_index = ref && !ref->empty();
    Statement& s = by_index ? reader->select_records_by_ref : reader->select_records;
    s.bind(1, kind);
    if (by_index) s.bind(2, *ref);
    std::vector<Record> out;
    while (s.step()) {
      Record r{kind, s.column_text(0), s.column_text(1), s.column_int(2), s.column_text(3)};
      if (!ref || by_index || r.ref.empty()) out.push_back(std::move(r));
    }
    s.reset();
    return out;
  }

  void add_checkpoint(const StoredCheckpoint& checkpoint) override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("INSERT OR REPLACE INTO ledger_checkpoint(size, note) VALUES (?1, ?2)");
    s.bind(1, static_cast<std::int64_t>(checkpoint.size)).bind(2, checkpoint.note);
    s.step();
  }

  std::optional<StoredCheckpoint> latest_checkpoint() override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("SELECT size, note FROM ledger_checkpoint ORDER BY size DESC LIMIT 1");
    if (!s.step()) return std::nullopt;
    return StoredCheckpoint{static_cast<std::uint64_t>(s.column_int(0)), s.column_text(1)};
  }

  std::vector<StoredCheckpoint> checkpoints() override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("SELECT size, note FROM ledger_checkpoint ORDER BY size");
    std::vector<StoredCheckpoint> out;
    while (s.step()) out.push_back({static_cast<std::uint64_t>(s.column_int(0)), s.column_text(1)});
    return out;
  }

  bool reads_never_wait() const override { return true; }

  StoreHealth health() override {
    StoreHealth h;
    h.backend = "sqlite";
    latency_.report(h);
    h.log_copies = StoreHealth::LogCopies{checkpointer_->copies(), checkpointer_->failures()};
    return h;
  }

  std::optional<std::string> meta(const std::string& key) override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("SELECT value FROM mandate_meta WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.column_text(0);
  }

  void set_meta(const std::string& key, const std::string& value) override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("INSERT OR REPLACE INTO mandate_meta(key, value) VALUES (?1, ?2)");
    s.bind(1, key).bind(2, value);
    s.step();
  }

  void scan_records(const std::function<bool(const Record&)>& visit) override {
    // Pages by key, so the lock is held for one page at a time and `visit`
    // runs without it.
    constexpr std::int64_t kPage = 1024;
    std::optional<std::pair<std::string, std::string>> after;
    while (true) {
      std::vector<Record> page;
      {
        std::lock_guard lock(mu_);
        Statement s = after ? db_.prepare("SELECT kind, id, ref, version, body FROM state_record "
                                          "WHERE (kind, id) > (?1, ?2) ORDER BY kind, id LIMIT ?3")
                            : db_.prepare("SELECT kind, id, ref, version, body FROM state_record "
                                          "ORDER BY kind, id LIMIT ?3");
        if (after) s.bind(1, after->first).bind(2, after->second);
        s.bind(3, kPage);
        while (s.step()) page.push_back(Record{s.column_text(0), s.column_text(1), s.column_text(2), s.column_int(3), s.column_text(4)});
      }
      for (const Record& r : page) {
        if (!visit(r)) return;
      }
      if (static_cast<std::int64_t>(page.size()) < kPage) return;
      after.emplace(page.back().kind, page.back().id);
    }
  }

  void copy_records(std::span<const Record> records) override {
    std::lock_guard lock(mu_);
    // IMMEDIATE: no append can add a record between the check and the copy.
    db_.exec("BEGIN IMMEDIATE");
    try {
      {
        Statement any = db_.prepare("SELECT count(*) FROM (SELECT 1 FROM state_record LIMIT 1)");
        any.step();
        if (any.column_int(0) != 0) fail(ErrorKind::conflict, "the store already holds records: a copy goes into an empty one");
      }
      Statement insert = db_.prepare("INSERT INTO state_record(kind, id, ref, version, body) VALUES (?1, ?2, ?3, ?4, ?5)");
      for (const Record& r : records) {
        check_copied(r);
        insert.bind(1, r.kind).bind(2, r.id).bind(3, r.ref).bind(4, r.version).bind(5, r.body);
        insert.step();
        insert.reset();
      }
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
  }

  std::vector<std::pair<std::string, std::string>> all_meta() override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("SELECT key, value FROM mandate_meta ORDER BY key");
    std::vector<std::pair<std::string, std::string>> out;
    while (s.step()) out.emplace_back(s.column_text(0), s.column_text(1));
    return out;
  }

 private:
  // A select_record row.
  static Record record_in(const Statement& s, const std::string& kind, const std::string& id) {
    return Record{kind, id, s.column_text(0), s.column_int(1), s.column_text(2)};
  }

  // Each key looked up with one of the reader's statements, in one read
  // transaction (one WAL read lock): `found` answers for a row, `absent`
  // for none.
  template <typename Answer, typename Found>
  std::vector<Answer> each_key(std::span<const std::pair<std::string, std::string>> keys, Statement sqlite::Reader::*statement,
                               const Answer& absent, Found found) {
    std::vector<Answer> out;
    out.reserve(keys.size());
    if (keys.empty()) return out;
    auto reader = readers_.lease();
    Statement& s = reader.operator->()->*statement;
    reader->begin_read();
    for (const auto& [kind, id] : keys) {
      s.bind(1, kind).bind(2, id);
      out.push_back(s.step() ? found(s, kind, id) : absent);
      s.reset();
    }
    reader->end_read();
    return out;
  }

  void initialize() {
    db_.exec("BEGIN");
    db_.exec(kSchema);
    Statement s = db_.prepare("INSERT INTO mandate_meta(key, value) VALUES ('format', ?1)");
    s.bind(1, std::string_view(kStoreFormat));
    s.step();
    db_.exec("COMMIT");
  }

  void drop_index_of_every_ref() {
    Statement probe = db_.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1");
    probe.bind(1, kIndexOfEveryRef);
    if (probe.step() && probe.column_int(0) == 0) return;
    probe.reset();
    db_.exec("DROP INDEX IF EXISTS " + std::string(kIndexOfEveryRef));
  }

  void check_format(const std::string& path) {
    Statement probe = db_.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'mandate_meta'");
    if (!probe.step() || probe.column_int(0) != 1) {
      fail(ErrorKind::bad_input, path + " is not a mandate store (no mandate_meta table)");
    }
    Statement s = db_.prepare("SELECT value FROM mandate_meta WHERE key = 'format'");
    const std::string format = s.step() ? s.column_text(0) : std::string("(none)");
    if (format != kStoreFormat) {
      fail(ErrorKind::bad_input, path + " has store format " + format + ", this mandate reads " + kStoreFormat);
    }
  }

  void prepare() {
    insert_entry_.emplace(db_.prepare(
        "INSERT INTO ledger_entry(idx, leaf_hash, nodes, type, body) VALUES (?1, ?2, ?3, ?4, ?5)"));
    select_node_row_.emplace(db_.prepare("SELECT leaf_hash, nodes FROM ledger_entry WHERE idx = ?1"));
    select_size_.emplace(db_.prepare("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entry"));
    select_version_.emplace(db_.prepare("SELECT version, ref FROM state_record WHERE kind = ?1 AND id = ?2"));
    upsert_record_.emplace(db_.prepare("INSERT OR REPLACE INTO state_record(kind, id, ref, version, body) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5)"));
    insert_new_record_.emplace(db_.prepare("INSERT INTO state_record(kind, id, ref, version, body) "
                                           "VALUES (?1, ?2, ?3, 1, ?4) ON CONFLICT DO NOTHING"));
    update_known_record_.emplace(db_.prepare("UPDATE state_record SET version = ?3 + 1, body = ?4 "
                                             "WHERE kind = ?1 AND id = ?2 AND version = ?3 AND ref = ?5"));
  }

  // A put that names the version it read and keeps its ref (every use
  // count), or creates a record (every seen proof), in one statement: one
  // descent of the record tree instead of a version read and a write.
  // False, having changed nothing, when the record is not as the put
  // expects; apply_put then says why.
  bool put_as_expected(const RecordPut& put) {
    if (put.check_only || put.expected_version == kAnyVersion) return false;
    if (put.expected_version != kAbsent) return update_in_place(put, put.expected_version);
    Statement& s = *insert_new_record_;
    s.bind(1, put.kind).bind(2, put.id).bind(3, put.ref).bind(4, put.body);
    s.step();
    s.reset();
    return sqlite3_changes(db_.handle()) == 1;
  }

  // The record at `version` with the put's ref gets its body and the next
  // version; false, changing nothing, when it is not so.
  bool update_in_place(const RecordPut& put, std::int64_t version) {
    Statement& s = *update_known_record_;
    s.bind(1, put.kind).bind(2, put.id).bind(3, version).bind(4, put.body).bind(5, put.ref);
    s.step();
    s.reset();
    return sqlite3_changes(db_.handle()) == 1;
  }

  struct StoredVersion {
    std::int64_t version = kAbsent;
    std::string ref;
  };

  StoredVersion version_locked(const std::string& kind, const std::string& id) {
    Statement& s = *select_version_;
    s.bind(1, kind).bind(2, id);
    StoredVersion stored;
    if (s.step()) stored = {s.column_int(0), s.column_text(1)};
    s.reset();
    return stored;
  }

  void apply_put(const RecordPut& put) {
    if (put_as_expected(put)) return;
    const StoredVersion current = version_locked(put.kind, put.id);
    if (put.expected_version != kAnyVersion && put.expected_version != current.version) {
      fail(ErrorKind::conflict, put.kind + " " + put.id + " changed under this writer (version " +
                                    std::to_string(current.version) + ", expected " +
                                    std::to_string(put.expected_version) + ")");
    }
    if (put.check_only) return;
    // A record whose ref stays is updated in place: a replace would take
    // its index entry out and put it back, one more page for the commit.
    if (current.version != kAbsent && current.ref == put.ref) {
      update_in_place(put, current.version);
      return;
    }
    upsert_record_->bind(1, put.kind).bind(2, put.id).bind(3, put.ref).bind(4, current.version + 1).bind(5, put.body);
    upsert_record_->step();
    upsert_record_->reset();
  }

  std::optional<Hash> node_locked(NodeId id) { return node_in(*select_node_row_, id); }

  // On the writer (inside an append) or a reader (`select_node_row` of either).
  static std::optional<Hash> node_in(Statement& s, NodeId id) {
    const std::uint64_t row_index = ((id.index + 1) << id.level) - 1;
    s.bind(1, static_cast<std::int64_t>(row_index));
    std::optional<Hash> out;
    if (s.step()) out = node_in_row(id.level, s.column_view(0), s.column_view(1));
    s.reset();
    return out;
  }

  // Node (level, j) from the row it lives in: the leaf hash at level 0,
  // else its slot in the row's completed nodes (absent if the row has none).
  static std::optional<Hash> node_in_row(unsigned level, std::string_view leaf_hash, std::string_view nodes) {
    if (level == 0) return to_hash(leaf_hash);
    if (nodes.size() < level * 32) return std::nullopt;
    return to_hash(nodes.substr((level - 1) * 32, 32));
  }

  std::uint64_t size_locked() { return size_in(*select_size_); }

  // On the writer (inside an append) or a reader (`select_size` of either).
  static std::uint64_t size_in(Statement& s) {
    s.step();
    const auto size = static_cast<std::uint64_t>(s.column_int(0));
    s.reset();
    return size;
  }

  static void read_row(const Statement& s, LedgerRow& row) {
    row.index = static_cast<std::uint64_t>(s.column_int(0));
    row.leaf_hash = to_hash(s.column_view(1));
    row.nodes.assign(s.column_view(2));
    row.type.assign(s.column_view(3));
    row.body.assign(s.column_view(4));
  }

  std::mutex mu_;
  CommitLatency latency_;
  Database db_;
  sqlite::ReaderPool readers_;
  // Set at the end of construction, once the file is in WAL mode; declared
  // after db_ and readers_, so it stops before they close.
  std::optional<sqlite::WalCheckpointer> checkpointer_;
  std::optional<Statement> insert_entry_, select_node_row_, select_size_;
  std::optional<Statement> select_version_, upsert_record_, insert_new_record_, update_known_record_;
};

}  // namespace

std::unique_ptr<Store> create_sqlite_store(const std::string& path) {
  if (std::filesystem::exists(path)) fail(ErrorKind::bad_input, path + " already exists");
  return std::make_unique<SqliteStore>(path, Database::Mode::create);
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path) {
  if (!std::filesystem::exists(path)) fail(ErrorKind::not_found, "no store at " + path);
  return std::make_unique<SqliteStore>(path, Database::Mode::existing);
}

}  // namespace mandate::store
