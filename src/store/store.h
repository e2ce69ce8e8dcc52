#pragma once
// The persistence interface. Use cases depend on this header only; SQLite
// (store/sqlite, the embedded default) and PostgreSQL (store/postgresql,
// several servers on one database) implement it. Every method that writes
// is one transaction that is durable when it returns.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mandate::store {

using Hash = std::array<std::uint8_t, 32>;

// One ledger entry as stored. `nodes` holds the interior Merkle nodes this
// leaf completes (levels 1..k, 32 bytes each, k = trailing zeros of index+1),
// so node (level, j) lives in row ((j + 1) << level) - 1: any node is one
// keyed read, and a full scan meets the nodes in the order they were made.
struct LedgerRow {
  std::uint64_t index = 0;
  std::string type;
  std::string body;  // the canonical bytes the leaf hash covers
  Hash leaf_hash{};
  std::string nodes;
};

struct NodeId {
  unsigned level = 0;
  std::uint64_t index = 0;
};

// Where nodes (level, first .. first + count - 1) live: rows first_row,
// first_row + step, ... Error{bad_input} when they would lie beyond any
// row a store can number (a signed 64-bit index).
struct NodeRows {
  std::uint64_t first_row = 0;
  std::uint64_t step = 1;
};
NodeRows node_rows(unsigned level, std::uint64_t first, std::uint64_t count);

// The workflow's current state (actors, tasks, mandates, ...), kept as one
// JSON document per (kind, id) beside the ledger. Every change to a record is
// written in the same transaction as the ledger entry that explains it, so
// the state never says more than the ledger can prove.
struct Record {
  std::string kind;
  std::string id;
  std::string ref;  // a secondary key, e.g. the task a mandate belongs to
  std::int64_t version = 0;  // 1 when first written, +1 per change
  std::string body;
};

// Optimistic concurrency: a put names the version it read. kAnyVersion
// writes unconditionally; kAbsent requires that no record exists yet (a
// proof's jti seen twice is a replay).
inline constexpr std::int64_t kAnyVersion = -1;
inline constexpr std::int64_t kAbsent = 0;

struct RecordPut {
  std::string kind;
  std::string id;
  std::string ref;
  std::string body;
  std::int64_t expected_version = kAnyVersion;
  // An index record: the ledger sets `id` to the index of the entry this put
  // is committed with (20 digits, zero-padded, so ids sort by index), which
  // the writer cannot know beforehand. Lets "all entries about task T" be
  // one keyed read instead of a scan of the ledger.
  bool keyed_by_entry = false;
  // The ledger adds the index of the entry this put is committed with to
  // the body (a JSON object) as its member "entry". A task's use count
  // names its latest allowed decision this way, and each decision names
  // the one before, so the task's decisions are found by walking back
  // from the record every allow updates anyway, not by an index entry at
  // the task's place in the index (a page written per decision).
  bool names_entry = false;
  // A condition, not a change: the record must still be at
  // expected_version when the entry commits, and is left as it is. A
  // decision holds the mandate, task and executor it read this way, so a
  // revocation committed meanwhile (through any server) turns its allow
  // into a conflict, decided again.
  bool check_only = false;
  // A claim, not a record: no two entries may claim the same (kind, id)
  // while the ledger's claim register (ledger::ClaimRegister) holds it; a
  // claim that is held fails its entry alone with Error{conflict}. The
  // ledger checks claims in memory and never hands them to the store: the
  // entry that makes a claim is its durable copy (a proof's jti is in its
  // decision's entry), so a seen proof costs no record and no page.
  bool claim = false;
};

std::string entry_record_id(std::uint64_t index);

// Error{bad_input} unless `record` could have been written by puts (a kind
// and an id, a version of at least 1): what copy_records accepts.
void check_copied(const Record& record);

// Error{conflict} unless `rows` are numbered size, size + 1, ... (a store
// checks what a sequencer returned before writing it).
void check_continues(std::span<const LedgerRow> rows, std::uint64_t size);

struct StoredCheckpoint {
  std::uint64_t size = 0;
  std::string note;  // the signed note, verbatim
};

// Reads Merkle nodes inside an append transaction (its view of the tree).
using NodeReader = std::function<std::vector<std::optional<Hash>>(std::span<const NodeId>)>;

// What an append writes: rows that continue the ledger from the size the
// sequencer was given, and the record changes they explain.
struct Sequenced {
  std::vector<LedgerRow> rows;
  std::vector<RecordPut> puts;
};

// The writer's side of an append: `size` is the committed size the rows
// must continue from. Indices are given here and not before, so writers on
// several servers never race for one and never leave a gap. The store runs
// it inside the transaction once no other writer (thread, process or
// server) can move the ledger until it ends, or before, with the size its
// own last commit left, and then writes only if the ledger is still at that
// size once locked; when it is not, it runs `sequence` again under the
// lock. So `sequence` may run more than once, and what the last run
// returns is written.
using Sequencer = std::function<Sequenced(std::uint64_t size, const NodeReader& nodes)>;

// Where a sent append expects the ledger to be when its commit locks it:
// `size` rows, the last of them with the leaf hash `last_leaf` when one is
// given. An append numbered after another still in flight names that one's
// last leaf: the size alone would also match another writer's rows.
struct AppendTip {
  std::uint64_t size = 0;
  std::optional<Hash> last_leaf;
};

// An append sent to the store and not yet known to have landed.
class AppendInFlight {
 public:
  virtual ~AppendInFlight() = default;
  // Waits for the commit: true once it is durable, false when the ledger
  // was not at the tip it was numbered for (nothing was written: number it
  // again). Throws as append_sequenced does, Error{conflict} when a put's
  // expected version does not hold (nothing was written then either).
  virtual bool landed() = 0;
  // Waits until landed() would answer without waiting, or until
  // `deadline`, whichever comes first; true in the first case.
  virtual bool answered_by(std::chrono::steady_clock::time_point deadline) = 0;
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;

  virtual std::uint64_t ledger_size() = 0;
  // Runs `sequence` under the ledger's append lock and writes what it
  // returns in one durable transaction. Throws Error{conflict} when a put's
  // expected version does not hold (or the rows do not continue the
  // ledger), and nothing is written then; whatever `sequence` throws aborts
  // the transaction the same way.
  virtual void append_sequenced(const Sequencer& sequence) = 0;
  // True when this store can take an append without waiting for it
  // (send_append): PostgreSQL, whose commit costs a network round trip.
  virtual bool sends_appends() const { return false; }
  // Sends `appended`, its rows numbered from tip.size, to be written in one
  // durable transaction if the ledger is at `tip` once it is locked, and
  // returns without waiting, so that the next batch can be numbered after
  // this one and sent behind it: the database then commits one batch after
  // the other, without waiting for the writer between them. Appends land
  // in the order they were sent. nullptr when the store cannot now (it
  // does not send appends, or another writer appended lately, so that a
  // guess would miss): append_sequenced then.
  virtual std::unique_ptr<AppendInFlight> send_append(const Sequenced& appended, const AppendTip& tip);
  // Rows whose indices are already fixed (a copy of another store):
  // Error{conflict} unless they continue the ledger exactly.
  void append_ledger_rows(std::span<const LedgerRow> rows, std::span<const RecordPut> puts);
  void append_ledger_rows(std::span<const LedgerRow> rows) { append_ledger_rows(rows, {}); }
  // The current version of a record, 0 (kAbsent) when there is none.
  virtual std::int64_t record_version(const std::string& kind, const std::string& id) = 0;
  // The current versions of many (kind, id) records, in order: one read
  // where the backend can (a batch's puts are checked before it commits).
  virtual std::vector<std::int64_t> record_versions(std::span<const std::pair<std::string, std::string>> keys);
  virtual std::optional<LedgerRow> ledger_row(std::uint64_t index) = 0;
  // The hash of a perfect subtree; level 0 is a leaf hash.
  virtual std::optional<Hash> ledger_node(unsigned level, std::uint64_t index) = 0;
  // Many nodes in one read transaction (a proof needs ~2 log n of them).
  virtual std::vector<std::optional<Hash>> ledger_nodes(std::span<const NodeId> ids) = 0;
  // The nodes (level, first), (level, first + 1), ... (level, first + count - 1):
  // one range read, as a tlog tile needs (256 nodes of one level). Both
  // backends answer it with one query; the default asks ledger_nodes.
  virtual std::vector<std::optional<Hash>> ledger_node_range(unsigned level, std::uint64_t first, std::uint64_t count);
  // Visits rows with index in [from, to) in index order until `visit`
  // returns false. Rows missing from the table are simply not visited.
  virtual void scan_ledger(std::uint64_t from, std::uint64_t to,
                           const std::function<bool(const LedgerRow&)>& visit) = 0;
  // The rows in [from, to) whose type is none of `skipped_types`, in index
  // order, with index, type and body only (leaf_hash and nodes are left
  // empty). For followers of a few kinds of entry, such as the task event
  // feed, which would otherwise copy every AuthZEN decision the server
  // records: the backends leave the skipped rows in the query. The default
  // filters scan_ledger's rows.
  virtual void scan_ledger_bodies(std::uint64_t from, std::uint64_t to, std::span<const std::string_view> skipped_types,
                                  const std::function<bool(const LedgerRow&)>& visit);

  virtual void add_checkpoint(const StoredCheckpoint& checkpoint) = 0;
  virtual std::vector<StoredCheckpoint> checkpoints() = 0;  // by size, ascending
  // The checkpoint of the largest size, without reading them all (the tiles
  // API serves it on every poll). The default reads checkpoints().
  virtual std::optional<StoredCheckpoint> latest_checkpoint();
};

// How the store is doing, for /readyz and /metrics.
struct StoreHealth {
  std::string backend;
  bool reachable = true;
  std::string why_not;  // when not reachable; never a credential
  std::size_t connections_open = 0;
  std::size_t connections_in_use = 0;
  std::size_t connections_max = 0;
  std::uint64_t connection_waits = 0;
  // Append transactions so far: how many, their total time, and how many
  // took at most each bound (cumulative, seconds).
  std::uint64_t commits = 0;
  double commit_seconds = 0;
  std::vector<std::pair<double, std::uint64_t>> commit_buckets;
  // SQLite only: copies of the write-ahead log back into the database file
  // made beside the commits, and those that failed (the log then stays
  // longer until a later copy succeeds). Empty for other backends.
  struct LogCopies {
    std::uint64_t done = 0;
    std::uint64_t failed = 0;
  };
  std::optional<LogCopies> log_copies;
};

class Store : public LedgerStore {
 public:
  // Probes the database (PostgreSQL: one round trip on a pooled connection).
  virtual StoreHealth health() = 0;
  // True when a read never waits for the network or for a commit in
  // flight (SQLite's readers): a caller that must not wait may read.
  virtual bool reads_never_wait() const { return false; }
  virtual std::optional<Record> record(const std::string& kind, const std::string& id) = 0;
  // Many records, in the order of `keys`, in one read where the backend can
  // (a decision's use counts, read together at one snapshot).
  virtual std::vector<std::optional<Record>> records_at(std::span<const std::pair<std::string, std::string>> keys) = 0;
  // All records of a kind (with `ref` when given), ordered by id.
  virtual std::vector<Record> records(const std::string& kind, const std::optional<std::string>& ref = std::nullopt) = 0;
  virtual std::optional<std::string> meta(const std::string& key) = 0;
  virtual void set_meta(const std::string& key, const std::string& value) = 0;

  // For a copy of a whole store to another backend (`mandate store copy`):
  // every record of every kind, ordered by (kind, id), until `visit`
  // returns false.
  virtual void scan_records(const std::function<bool(const Record&)>& visit) = 0;
  // Writes `records` exactly as given, versions included, in one durable
  // transaction: a put would restart every version at 1, and a client that
  // read version N before the move must still be able to write with it.
  // Error{conflict}, writing nothing, unless the store holds no records yet
  // (so it can never overwrite state that a ledger entry explains).
  virtual void copy_records(std::span<const Record> records) = 0;
  // Every meta key and its value, ordered by key.
  virtual std::vector<std::pair<std::string, std::string>> all_meta() = 0;
};

// The format tag every mandate store carries; opening a store without it fails.
inline constexpr const char* kStoreFormat = "mandate-store/1";

}  // namespace mandate::store
