#include "store/postgresql/postgresql_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <map>
#include <optional>
#include <utility>

#include "core/error.h"
#include "store/commit_latency.h"
#include "store/internal/chunked_scan.h"
#include "store/postgresql/internal/connection_pool.h"
#include "store/postgresql/internal/migrations.h"
#include "store/postgresql/internal/transaction.h"

namespace mandate::store {
namespace {

using postgresql::Connection;
using postgresql::ConnectionPool;
using postgresql::Params;
using postgresql::Result;
using postgresql::in_transaction;
using postgresql::rollback_quietly;

// An advisory lock key of mandate's own ("mandate" in ASCII), so servers
// starting together apply each migration once.
constexpr std::int64_t kMigrationLock = 0x6d616e64617465;
// Rows per INSERT: a statement carries at most 65535 parameters.
constexpr std::size_t kRowsPerInsert = 1000;

Hash to_hash(std::string_view bytes) {
  Hash h{};
  if (bytes.size() != h.size()) fail(ErrorKind::check_failed, "stored hash has " + std::to_string(bytes.size()) + " bytes");
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

void check_database(Connection& c, const std::string& where) {
  Result encoding = c.query("SELECT pg_catalog.pg_encoding_to_char(encoding) FROM pg_catalog.pg_database "
                            "WHERE datname = current_database()",
                            Params());
  if (encoding.text(0, 0) != "UTF8") {
    fail(ErrorKind::bad_input, where + " has encoding " + encoding.text(0, 0) + "; mandate needs a UTF8 database "
                               "(CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)");
  }
}

class PostgresStore final : public Store {
  class SentAppend;

  // The connection appends are sent on, one behind the other: PostgreSQL
  // runs each after the one before has committed, in the order sent, and
  // their results are read in that order.
  struct SendingConnection {
    explicit SendingConnection(ConnectionPool::Lease connection) : lease(std::move(connection)) {}
    ConnectionPool::Lease lease;
    std::deque<SentAppend*> unread;
  };

  // An append sent by send_append. Its outcome is read once, after those
  // sent before it on its connection.
  class SentAppend final : public AppendInFlight {
   public:
    SentAppend(PostgresStore& store, std::shared_ptr<SendingConnection> connection, std::size_t statements,
               std::uint64_t end, std::chrono::steady_clock::time_point sent)
        : store_(store), connection_(std::move(connection)), statements_(statements), end_(end), sent_(sent) {
      connection_->unread.push_back(this);
    }
    SentAppend(const SentAppend&) = delete;
    SentAppend& operator=(const SentAppend&) = delete;
    // Read even when nobody asked: the connection goes back to the pool
    // drained, and a commit that landed still counts.
    ~SentAppend() override { read(); }
    bool answered_by(std::chrono::steady_clock::time_point deadline) override {
      return read_ || connection_->lease->answered_by(deadline);
    }
    bool landed() override {
      read();
      if (error_) std::rethrow_exception(error_);
      return landed_;
    }

   private:
    void read() {
      if (read_) return;
      while (connection_->unread.front() != this) connection_->unread.front()->read();
      connection_->unread.pop_front();
      read_ = true;
      try {
        landed_ = store_.receive_at_tip(*connection_->lease, statements_, end_);
        if (landed_) store_.latency_.observe(std::chrono::steady_clock::now() - sent_);
      } catch (...) {
        error_ = std::current_exception();
      }
    }

    PostgresStore& store_;
    std::shared_ptr<SendingConnection> connection_;
    std::size_t statements_;
    std::uint64_t end_;
    std::chrono::steady_clock::time_point sent_;
    bool read_ = false;
    bool landed_ = false;
    std::exception_ptr error_;
  };

 public:
  explicit PostgresStore(ConnectionSettings settings) : pool_(std::move(settings)) {}

  std::uint64_t ledger_size() override {
    auto c = pool_.acquire();
    return static_cast<std::uint64_t>(c->prepared("size", "SELECT size FROM ledger_head WHERE id = 1", Params()).integer(0, 0));
  }

  // A server that was the last to append numbers its next batch from the
  // size it left, and sends the lock, the checks, the writes and the commit
  // in one round trip; the lock fails it when another server appended
  // meanwhile, and the batch is numbered again under the lock. A server
  // that found others' rows at its last lock goes there directly: with
  // several servers appending, a guess would mostly miss, and each miss
  // holds the head for two round trips.
  void append_sequenced(const Sequencer& sequence) override {
    auto c = pool_.acquire();
    const auto started = std::chrono::steady_clock::now();
    const std::int64_t left = last_committed_at_.load();
    if (!alone_.load() || !append_at_guess(*c, static_cast<std::uint64_t>(left), sequence)) {
      append_locked(*c, sequence);
    }
    latency_.observe(std::chrono::steady_clock::now() - started);
  }

  bool sends_appends() const override { return true; }

  // Sent behind the append still unread, on its connection, if there is
  // one: the database then starts on it the moment that one has committed,
  // and cannot start on it before.
  std::unique_ptr<AppendInFlight> send_append(const Sequenced& appended, const AppendTip& tip) override {
    if (!alone_.load()) return nullptr;
    std::lock_guard lock(sending_mu_);
    std::shared_ptr<SendingConnection> connection = sending_.lock();
    if (!connection) connection = std::make_shared<SendingConnection>(pool_.acquire());
    const auto started = std::chrono::steady_clock::now();
    const std::size_t statements = send_at_tip(*connection->lease, appended, tip);
    sending_ = connection;
    return std::make_unique<SentAppend>(*this, std::move(connection), statements, tip.size + appended.rows.size(),
                                        started);
  }

  std::int64_t record_version(const std::string& kind, const std::string& id) override {
    auto c = pool_.acquire();
    Result r = c->prepared("version", "SELECT version FROM state_record WHERE kind = $1 AND id = $2",
                           Params().text(kind).text(id));
    return r.rows() == 0 ? kAbsent : r.integer(0, 0);
  }

  std::vector<std::int64_t> record_versions(std::span<const std::pair<std::string, std::string>> keys) override {
    auto c = pool_.acquire();
    const std::map<Key, std::int64_t> found = current_versions(*c, {keys.begin(), keys.end()});
    std::vector<std::int64_t> out;
    out.reserve(keys.size());
    for (const auto& key : keys) {
      const auto it = found.find(key);
      out.push_back(it == found.end() ? kAbsent : it->second);
    }
    return out;
  }

  std::optional<LedgerRow> ledger_row(std::uint64_t index) override {
    auto c = pool_.acquire();
    Result r = c->prepared("row", "SELECT idx, leaf_hash, nodes, type, body FROM ledger_entry WHERE idx = $1",
                           Params().integer(static_cast<std::int64_t>(index)));
    if (r.rows() == 0) return std::nullopt;
    LedgerRow row;
    read_row(r, 0, row);
    return row;
  }

  std::optional<Hash> ledger_node(unsigned level, std::uint64_t index) override {
    const NodeId id{level, index};
    return ledger_nodes(std::span<const NodeId>(&id, 1)).front();
  }

  std::vector<std::optional<Hash>> ledger_nodes(std::span<const NodeId> ids) override {
    auto c = pool_.acquire();
    return read_nodes(*c, ids);
  }

  std::vector<std::optional<Hash>> ledger_node_range(unsigned level, std::uint64_t first,
                                                     std::uint64_t count) override {
    std::vector<std::optional<Hash>> out(count);
    if (count == 0) return out;
    const auto [first_row, step] = node_rows(level, first, count);
    auto c = pool_.acquire();
    // One round trip; ANY(ARRAY(...)) makes it an index scan over just the
    // rows the nodes live in (every 2^level-th), not a join over the table.
    Result r = c->prepared("node_range",
                           "SELECT idx, leaf_hash, nodes FROM ledger_entry "
                           "WHERE idx = ANY(ARRAY(SELECT generate_series($1::bigint, $2::bigint, $3::bigint)))",
                           Params()
                               .integer(static_cast<std::int64_t>(first_row))
                               .integer(static_cast<std::int64_t>(first_row + (count - 1) * step))
                               .integer(static_cast<std::int64_t>(step)));
    for (int i = 0; i < r.rows(); ++i) {
      const auto row = static_cast<std::uint64_t>(r.integer(i, 0));
      const std::uint64_t position = ((row + 1) >> level) - 1 - first;
      if (position >= count) continue;
      if (level == 0) {
        out[position] = to_hash(r.bytes(i, 1));
      } else if (const std::string_view nodes = r.bytes(i, 2); nodes.size() >= level * 32) {
        out[position] = to_hash(nodes.substr((level - 1) * 32, 32));
      }
    }
    return out;
  }

  void scan_ledger(std::uint64_t from, std::uint64_t to,
                   const std::function<bool(const LedgerRow&)>& visit) override {
    scan_in_chunks(from, to, [this](std::uint64_t start, std::uint64_t end, std::vector<LedgerRow>& rows) {
      auto c = pool_.acquire();
      Result r = c->prepared("scan",
                             "SELECT idx, leaf_hash, nodes, type, body FROM ledger_entry "
                             "WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                             Params().integer(static_cast<std::int64_t>(start)).integer(static_cast<std::int64_t>(end)));
      std::size_t count = 0;
      for (int i = 0; i < r.rows(); ++i) read_row(r, i, next_row(rows, count));
      return count;
    }, visit);
  }

  void scan_ledger_bodies(std::uint64_t from, std::uint64_t to, std::span<const std::string_view> skipped_types,
                          const std::function<bool(const LedgerRow&)>& visit) override {
    scan_in_chunks(from, to, [&](std::uint64_t start, std::uint64_t end, std::vector<LedgerRow>& rows) {
      auto c = pool_.acquire();
      Result r = c->prepared("scan_bodies",
                             "SELECT idx, type, body FROM ledger_entry "
                             "WHERE idx >= $1 AND idx < $2 AND type <> ALL ($3::text[]) ORDER BY idx",
                             Params().integer(static_cast<std::int64_t>(start))
                                 .integer(static_cast<std::int64_t>(end))
                                 .text_array(skipped_types));
      std::size_t count = 0;
      for (int i = 0; i < r.rows(); ++i) {
        LedgerRow& row = next_row(rows, count);
        row.index = static_cast<std::uint64_t>(r.integer(i, 0));
        row.type.assign(r.bytes(i, 1));
        row.body.assign(r.bytes(i, 2));
      }
      return count;
    }, visit);
  }

  void add_checkpoint(const StoredCheckpoint& checkpoint) override {
    auto c = pool_.acquire();
    c->prepared("add_checkpoint",
                "INSERT INTO ledger_checkpoint (size, note) VALUES ($1, $2) "
                "ON CONFLICT (size) DO UPDATE SET note = EXCLUDED.note",
                Params().integer(static_cast<std::int64_t>(checkpoint.size)).text(checkpoint.note));
  }

  std::optional<StoredCheckpoint> latest_checkpoint() override {
    auto c = pool_.acquire();
    Result r = c->prepared("latest_checkpoint", "SELECT size, note FROM ledger_checkpoint ORDER BY size DESC LIMIT 1",
                           Params());
    if (r.rows() == 0) return std::nullopt;
    return StoredCheckpoint{static_cast<std::uint64_t>(r.integer(0, 0)), r.text(0, 1)};
  }

  std::vector<StoredCheckpoint> checkpoints() override {
    auto c = pool_.acquire();
    Result r = c->prepared("checkpoints", "SELECT size, note FROM ledger_checkpoint ORDER BY size", Params());
    std::vector<StoredCheckpoint> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({static_cast<std::uint64_t>(r.integer(i, 0)), r.text(i, 1)});
    return out;
  }

  StoreHealth health() override {
    StoreHealth h;
    h.backend = "postgresql";
    try {
      auto c = pool_.acquire();
      c->prepared("ping", "SELECT 1::bigint", Params());
    } catch (const Error& e) {
      h.reachable = false;
      h.why_not = e.what();
    }
    const postgresql::PoolUse use = pool_.use();
    h.connections_open = use.open;
    h.connections_in_use = use.in_use;
    h.connections_max = use.max;
    h.connection_waits = use.waits;
    latency_.report(h);
    return h;
  }

  std::optional<Record> record(const std::string& kind, const std::string& id) override {
    auto c = pool_.acquire();
    Result r = c->prepared("record", "SELECT ref, version, body FROM state_record WHERE kind = $1 AND id = $2",
                           Params().text(kind).text(id));
    if (r.rows() == 0) return std::nullopt;
    return Record{kind, id, r.text(0, 0), r.integer(0, 1), r.text(0, 2)};
  }

  std::vector<std::optional<Record>> records_at(std::span<const std::pair<std::string, std::string>> keys) override {
    auto c = pool_.acquire();
    std::map<Key, Record> found;
    rows_at(*c, "records_at", "kind, id, ref, version, body", keys, [&](Result& r, int i) {
      Record record{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.integer(i, 3), r.text(i, 4)};
      found.emplace(Key{record.kind, record.id}, std::move(record));
    });
    std::vector<std::optional<Record>> out;
    out.reserve(keys.size());
    for (const auto& key : keys) {
      const auto it = found.find(key);
      out.push_back(it == found.end() ? std::nullopt : std::optional<Record>(it->second));
    }
    return out;
  }

  std::vector<Record> records(const std::string& kind, const std::optional<std::string>& ref) override {
    auto c = pool_.acquire();
    // The ref index holds set refs only (migration 4): records with no ref
    // are found among all of the kind.
    const bool by_index = ref && !ref->empty();
    Result r = by_index ? c->prepared("records_by_ref",
                                      "SELECT id, ref, version, body FROM state_record "
                                      "WHERE kind = $1 AND ref = $2 AND ref <> '' ORDER BY id",
                                      Params().text(kind).text(*ref))
                        : c->prepared("records", "SELECT id, ref, version, body FROM state_record WHERE kind = $1 ORDER BY id",
                                      Params().text(kind));
    std::vector<Record> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
      Record record{kind, r.text(i, 0), r.text(i, 1), r.integer(i, 2), r.text(i, 3)};
      if (!ref || by_index || record.ref.empty()) out.push_back(std::move(record));
    }
    return out;
  }

  std::optional<std::string> meta(const std::string& key) override {
    auto c = pool_.acquire();
    Result r = c->prepared("meta", "SELECT value FROM mandate_meta WHERE key = $1", Params().text(key));
    if (r.rows() == 0) return std::nullopt;
    return r.text(0, 0);
  }

  void set_meta(const std::string& key, const std::string& value) override {
    auto c = pool_.acquire();
    c->prepared("set_meta",
                "INSERT INTO mandate_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                Params().text(key).text(value));
  }

  void scan_records(const std::function<bool(const Record&)>& visit) override {
    // Pages by key: one pooled connection per page, none held while `visit` runs.
    constexpr std::int64_t kPage = 1000;
    std::optional<Key> after;
    while (true) {
      std::vector<Record> page;
      {
        auto c = pool_.acquire();
        Result r = after ? c->prepared("copy_scan_records_after",
                                       "SELECT kind, id, ref, version, body FROM state_record "
                                       "WHERE (kind, id) > ($1, $2) ORDER BY kind, id LIMIT $3",
                                       Params().text(after->first).text(after->second).integer(kPage))
                         : c->prepared("copy_scan_records",
                                       "SELECT kind, id, ref, version, body FROM state_record ORDER BY kind, id LIMIT $1",
                                       Params().integer(kPage));
        page.reserve(static_cast<std::size_t>(r.rows()));
        for (int i = 0; i < r.rows(); ++i) {
          page.push_back(Record{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.integer(i, 3), r.text(i, 4)});
        }
      }
      for (const Record& record : page) {
        if (!visit(record)) return;
      }
      if (static_cast<std::int64_t>(page.size()) < kPage) return;
      after.emplace(page.back().kind, page.back().id);
    }
  }

  void copy_records(std::span<const Record> records) override {
    auto c = pool_.acquire();
    in_transaction(*c, "BEGIN", [&] {
      // Records only change inside appends, which all take this lock first:
      // none can slip in between the check and the copy.
      c->prepared("lock_head", "SELECT size FROM ledger_head WHERE id = 1 FOR UPDATE", Params());
      Result any = c->query("SELECT count(*) FROM (SELECT 1 FROM state_record LIMIT 1) s", Params());
      if (any.integer(0, 0) != 0) fail(ErrorKind::conflict, "the store already holds records: a copy goes into an empty one");
      for (std::size_t start = 0; start < records.size(); start += kRowsPerInsert) {
        const std::size_t n = std::min(kRowsPerInsert, records.size() - start);
        std::string sql = "INSERT INTO state_record (kind, id, ref, version, body) VALUES ";
        Params params;
        for (std::size_t i = 0; i < n; ++i) {
          const Record& r = records[start + i];
          check_copied(r);
          const std::size_t p = i * 5;
          sql += (i > 0 ? ",($" : "($") + std::to_string(p + 1) + "::text,$" + std::to_string(p + 2) + "::text,$" +
                 std::to_string(p + 3) + "::text,$" + std::to_string(p + 4) + "::bigint,$" + std::to_string(p + 5) + "::text)";
          params.text(r.kind).text(r.id).text(r.ref).integer(r.version).text(r.body);
        }
        c->query(sql, params);
      }
    });
  }

  std::vector<std::pair<std::string, std::string>> all_meta() override {
    auto c = pool_.acquire();
    Result r = c->prepared("copy_all_meta", "SELECT key, value FROM mandate_meta ORDER BY key", Params());
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), r.text(i, 1));
    return out;
  }

  ConnectionPool& pool() { return pool_; }

 private:
  static void read_row(const Result& r, int i, LedgerRow& row) {
    row.index = static_cast<std::uint64_t>(r.integer(i, 0));
    row.leaf_hash = to_hash(r.bytes(i, 1));
    row.nodes.assign(r.bytes(i, 2));
    row.type.assign(r.bytes(i, 3));
    row.body.assign(r.bytes(i, 4));
  }

  // Node (level, j) lives in row ((j + 1) << level) - 1 (see LedgerRow).
  static std::vector<std::optional<Hash>> read_nodes(Connection& c, std::span<const NodeId> ids) {
    std::vector<std::int64_t> wanted;
    wanted.reserve(ids.size());
    for (const NodeId& id : ids) wanted.push_back(static_cast<std::int64_t>(((id.index + 1) << id.level) - 1));
    std::map<std::int64_t, std::pair<Hash, std::string>> found;
    if (!wanted.empty()) {
      Result r = c.prepared("nodes", "SELECT idx, leaf_hash, nodes FROM ledger_entry WHERE idx = ANY($1::bigint[])",
                            Params().integer_array(wanted));
      for (int i = 0; i < r.rows(); ++i) {
        found[r.integer(i, 0)] = {to_hash(r.bytes(i, 1)), std::string(r.bytes(i, 2))};
      }
    }
    std::vector<std::optional<Hash>> out;
    out.reserve(ids.size());
    for (std::size_t k = 0; k < ids.size(); ++k) {
      const auto it = found.find(wanted[k]);
      const unsigned level = ids[k].level;
      if (it == found.end()) {
        out.emplace_back();
      } else if (level == 0) {
        out.emplace_back(it->second.first);
      } else if (it->second.second.size() >= level * 32) {
        out.emplace_back(to_hash(std::string_view(it->second.second).substr((level - 1) * 32, 32)));
      } else {
        out.emplace_back();
      }
    }
    return out;
  }

  // One prepared statement for the whole batch, its columns as arrays.
  static void add_row_inserts(std::span<const LedgerRow> rows, std::vector<postgresql::Statement>& out) {
    if (rows.empty()) return;
    std::vector<std::int64_t> indices;
    std::vector<std::string_view> leaf_hashes, nodes, types, bodies;
    for (const LedgerRow& row : rows) {
      indices.push_back(static_cast<std::int64_t>(row.index));
      leaf_hashes.emplace_back(reinterpret_cast<const char*>(row.leaf_hash.data()), row.leaf_hash.size());
      nodes.push_back(row.nodes);
      types.push_back(row.type);
      bodies.push_back(row.body);
    }
    Params params;
    params.integer_array(indices).bytes_array(leaf_hashes).bytes_array(nodes).text_array(types).bytes_array(bodies);
    out.push_back({"INSERT INTO ledger_entry (idx, leaf_hash, nodes, type, body) "
                   "SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::bytea[])",
                   std::move(params), "insert_rows"});
  }

  using Key = std::pair<std::string, std::string>;

  // The state_record rows of `keys` that exist, `columns` of each visited:
  // one prepared statement (`name`) taking the keys as two arrays.
  template <typename Visit>
  static void rows_at(Connection& c, const std::string& name, const char* columns, std::span<const Key> keys,
                      Visit visit) {
    if (keys.empty()) return;
    std::vector<std::string_view> kinds, ids;
    kinds.reserve(keys.size());
    ids.reserve(keys.size());
    for (const Key& key : keys) {
      kinds.push_back(key.first);
      ids.push_back(key.second);
    }
    Params params;
    params.text_array(kinds).text_array(ids);
    Result r = c.prepared(name,
                          std::string("SELECT ") + columns +
                              " FROM state_record WHERE (kind, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
                          params);
    for (int i = 0; i < r.rows(); ++i) visit(r, i);
  }

  static std::map<Key, std::int64_t> current_versions(Connection& c, const std::vector<Key>& keys) {
    std::map<Key, std::int64_t> out;
    rows_at(c, "versions_at", "kind, id, version", keys, [&](Result& r, int i) { out[{r.text(i, 0), r.text(i, 1)}] = r.integer(i, 2); });
    return out;
  }

  // What a batch's puts ask of one record: the version it must have when
  // the commit starts (when any put names one), and how many puts write it.
  struct RecordChange {
    std::optional<std::int64_t> stored;
    std::int64_t writes = 0;
    const RecordPut* last = nullptr;
  };

  // The puts' expected versions become one condition per record, checked
  // by the server in the write pipeline (mandate_expect_versions, which
  // fails the transaction on a mismatch), and each record's last state is
  // written once, its version moved by its number of writes: no versions
  // are read while the head is locked. An upsert cannot touch one row
  // twice in a statement, hence one row per record.
  static void add_record_writes(std::span<const RecordPut> puts, std::vector<postgresql::Statement>& out) {
    if (puts.empty()) return;
    std::map<Key, RecordChange> changes;
    for (const RecordPut& put : puts) {
      RecordChange& change = changes[{put.kind, put.id}];
      if (put.expected_version != kAnyVersion) {
        const std::int64_t stored = put.expected_version - change.writes;
        if (change.stored && *change.stored != stored) {
          fail(ErrorKind::conflict, put.kind + " " + put.id + " is expected at two versions in one commit (" +
                                        std::to_string(*change.stored + change.writes) + " after this commit's writes, and " +
                                        std::to_string(put.expected_version) + ")");
        }
        change.stored = stored;
      }
      if (put.check_only) continue;
      ++change.writes;
      change.last = &put;
    }
    std::vector<std::string_view> expected_kinds, expected_ids;
    std::vector<std::int64_t> expected_versions;
    std::vector<std::string_view> kinds, ids, refs, bodies;
    std::vector<std::int64_t> writes;
    for (const auto& [key, change] : changes) {
      if (change.stored) {
        expected_kinds.push_back(key.first);
        expected_ids.push_back(key.second);
        expected_versions.push_back(*change.stored);
      }
      if (change.last == nullptr) continue;
      kinds.push_back(key.first);
      ids.push_back(key.second);
      refs.push_back(change.last->ref);
      writes.push_back(change.writes);
      bodies.push_back(change.last->body);
    }
    if (!expected_kinds.empty()) {
      Params params;
      params.text_array(expected_kinds).text_array(expected_ids).integer_array(expected_versions);
      out.push_back({"SELECT mandate_expect_versions($1::text[], $2::text[], $3::bigint[])", std::move(params),
                     "expect_versions"});
    }
    if (kinds.empty()) return;
    Params params;
    params.text_array(kinds).text_array(ids).text_array(refs).integer_array(writes).text_array(bodies);
    // A new record's version is its number of writes (from kAbsent, 0).
    out.push_back({"INSERT INTO state_record (kind, id, ref, version, body) "
                   "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) "
                   "ON CONFLICT (kind, id) DO UPDATE SET ref = EXCLUDED.ref, "
                   "version = state_record.version + EXCLUDED.version, body = EXCLUDED.body",
                   std::move(params), "write_records"});
  }

  // False when the ledger was not at `guess` (nothing written): the batch
  // must be numbered again under the lock.
  bool append_at_guess(Connection& c, std::uint64_t guess, const Sequencer& sequence) {
    const NodeReader nodes = [&](std::span<const NodeId> ids) { return read_nodes(c, ids); };
    const Sequenced appended = sequence(guess, nodes);
    const std::size_t statements = send_at_tip(c, appended, {guess, std::nullopt});
    return receive_at_tip(c, statements, guess + appended.rows.size());
  }

  // The lock, the checks, the writes and the commit, sent in one pipeline
  // without BEGIN: the statements before a sync point are one implicit
  // transaction, committed at the sync, or rolled back there as soon as
  // one fails. So a batch that missed releases the head in the database
  // itself, even while its writer is not reading yet (a batch sent behind
  // another). Returns the number of statements sent.
  std::size_t send_at_tip(Connection& c, const Sequenced& appended, const AppendTip& tip) {
    check_continues(appended.rows, tip.size);
    std::vector<postgresql::Statement> writes;
    const auto size = static_cast<std::int64_t>(tip.size);
    if (tip.last_leaf) {
      const std::string_view leaf(reinterpret_cast<const char*>(tip.last_leaf->data()), tip.last_leaf->size());
      writes.push_back({"SELECT mandate_lock_head($1::bigint, $2::bytea)", Params().integer(size).bytes(leaf),
                        "lock_head_after"});
    } else {
      writes.push_back({"SELECT mandate_lock_head($1::bigint)", Params().integer(size), "lock_head_at"});
    }
    add_writes(appended, tip.size, writes);
    writes.pop_back();  // the sync point commits
    c.send_pipeline(writes);
    return writes.size();
  }

  // What send_at_tip's statements returned: true once they are durable,
  // false when the ledger was elsewhere (MD002, nothing written).
  bool receive_at_tip(Connection& c, std::size_t statements, std::uint64_t end) {
    try {
      c.receive_pipeline(statements);
    } catch (const Error&) {
      alone_ = false;  // the next commit locks first, and learns whether it is
      if (c.last_failure() == postgresql::kLedgerMoved && c.usable()) return false;
      throw;
    }
    last_committed_at_ = static_cast<std::int64_t>(end);
    alone_ = true;
    return true;
  }

  // Two round trips while the head is locked: the lock, then the checks,
  // the writes and the commit in one pipeline.
  void append_locked(Connection& c, const Sequencer& sequence) {
    try {
      // Every writer on every server queues here: the head row's lock is
      // what makes indices gap-free and the tree one tree.
      const auto head = c.pipeline({{"BEGIN", Params(), ""},
                                     {"SELECT size FROM ledger_head WHERE id = 1 FOR UPDATE", Params(), "lock_head"}});
      const auto size = static_cast<std::uint64_t>(head[1].integer(0, 0));
      const bool alone = static_cast<std::int64_t>(size) == last_committed_at_.load();
      const NodeReader nodes = [&](std::span<const NodeId> ids) { return read_nodes(c, ids); };
      const Sequenced appended = sequence(size, nodes);
      check_continues(appended.rows, size);
      std::vector<postgresql::Statement> writes;
      add_writes(appended, size, writes);
      c.pipeline(writes);
      last_committed_at_ = static_cast<std::int64_t>(size + appended.rows.size());
      alone_ = alone;
    } catch (...) {
      rollback_quietly(c);
      throw;
    }
  }

  // The version check first (it fails the rest), the rows, the records,
  // the head's move and the commit.
  static void add_writes(const Sequenced& appended, std::uint64_t size, std::vector<postgresql::Statement>& out) {
    add_record_writes(appended.puts, out);
    add_row_inserts(appended.rows, out);
    if (!appended.rows.empty()) {
      out.push_back({"UPDATE ledger_head SET size = $1 WHERE id = 1",
                     Params().integer(static_cast<std::int64_t>(size + appended.rows.size())), "set_size"});
    }
    out.push_back({"COMMIT", Params(), ""});
  }

  ConnectionPool pool_;
  CommitLatency latency_;
  // The ledger's size after this handle's last commit, -1 before it has
  // one; and whether no other writer had appended before that commit, so
  // that this handle is likely the only writer and numbers from that size.
  std::atomic<std::int64_t> last_committed_at_{-1};
  std::atomic<bool> alone_{false};
  // The connection of the appends sent and not all read yet.
  std::mutex sending_mu_;
  std::weak_ptr<SendingConnection> sending_;
};

void apply_migrations(Connection& c, int from, MigrationReport& report) {
  for (const postgresql::Migration& m : postgresql::migrations()) {
    if (m.version <= from) continue;
    in_transaction(c, "BEGIN", [&] {
      c.exec(m.sql);
      c.query("INSERT INTO mandate_schema_migration (version, description) VALUES ($1::integer, $2)",
              Params().integer(m.version).text(std::string(m.description)));
    });
    report.applied.push_back({m.version, std::string(m.description)});
    report.to_version = m.version;
  }
}

constexpr std::string_view kMigrationTable = R"sql(
CREATE TABLE IF NOT EXISTS mandate_schema_migration (
  version     integer PRIMARY KEY,
  description text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
))sql";

std::string where(const ConnectionSettings& settings) {
  return "the database " + postgresql::describe_server(settings.url);
}

}  // namespace

void check_connection_url(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? error : "cannot parse it";
    PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    fail(ErrorKind::bad_input, "store.url is not a PostgreSQL connection URL: " + why);
  }
  bool has_password = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) has_password = true;
  }
  PQconninfoFree(options);
  if (has_password) {
    fail(ErrorKind::bad_input, "store.url carries a password: put it in a file (store.password_file) or the "
                               "environment (store.password_env) instead, so the config can be shared and logged");
  }
}

int postgresql_schema_version() { return postgresql::migrations().back().version; }

MigrationReport migrate_postgresql_store(const ConnectionSettings& settings) {
  check_connection_url(settings.url);
  Connection c(settings);
  check_database(c, where(settings));
  MigrationReport report;
  c.exec(std::string(kMigrationTable));
  c.query("SELECT pg_advisory_lock($1::bigint)", Params().integer(kMigrationLock));
  try {
    report.from_version = report.to_version = postgresql::schema_version(c);
    if (report.from_version > postgresql_schema_version()) {
      fail(ErrorKind::bad_input, where(settings) + " has schema version " + std::to_string(report.from_version) +
                                     ", newer than this mandate's " + std::to_string(postgresql_schema_version()));
    }
    apply_migrations(c, report.from_version, report);
  } catch (...) {
    if (c.usable()) c.query("SELECT pg_advisory_unlock($1::bigint)", Params().integer(kMigrationLock));
    throw;
  }
  c.query("SELECT pg_advisory_unlock($1::bigint)", Params().integer(kMigrationLock));
  return report;
}

std::unique_ptr<Store> create_postgresql_store(const ConnectionSettings& settings) {
  check_connection_url(settings.url);
  {
    Connection c(settings);
    check_database(c, where(settings));
    if (postgresql::schema_version(c) > 0) {
      fail(ErrorKind::bad_input, where(settings) + " already holds a mandate store");
    }
  }
  migrate_postgresql_store(settings);
  auto store = std::make_unique<PostgresStore>(settings);
  store->set_meta("format", kStoreFormat);
  return store;
}

std::unique_ptr<Store> open_postgresql_store(const ConnectionSettings& settings) {
  check_connection_url(settings.url);
  {
    Connection c(settings);
    const int version = postgresql::schema_version(c);
    if (version == 0) {
      fail(ErrorKind::bad_input, where(settings) + " holds no mandate store (run `mandate init` with this store)");
    }
    if (version < postgresql_schema_version()) {
      fail(ErrorKind::bad_input, where(settings) + " has schema version " + std::to_string(version) + ", this mandate reads " +
                                     std::to_string(postgresql_schema_version()) + ": run `mandate store migrate`");
    }
    if (version > postgresql_schema_version()) {
      fail(ErrorKind::bad_input, where(settings) + " has schema version " + std::to_string(version) +
                                     ", made by a newer mandate than this one (" +
                                     std::to_string(postgresql_schema_version()) + ")");
    }
  }
  auto store = std::make_unique<PostgresStore>(settings);
  const auto format = store->meta("format");
  if (format != std::string(kStoreFormat)) {
    fail(ErrorKind::bad_input, where(settings) + " has store format " + format.value_or("(none)") + ", this mandate reads " +
                                   kStoreFormat);
  }
  return store;
}

}  // namespace mandate::store
