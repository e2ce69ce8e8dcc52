#include "home/store_copy.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "home/home.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "store/postgresql/postgresql_event_store.h"
#include "store/postgresql/postgresql_store.h"

namespace mandate::home {
namespace {

namespace fs = std::filesystem;
using store::Record;
using store::StoredCheckpoint;

// Written by a running server about itself, meaningless in another store.
constexpr std::array<std::string_view, 1> kTransientMeta{"readiness_probe"};
// Written by create_postgresql_store itself.
constexpr std::string_view kFormatKey = "format";
// Written last, once the copy is proven: a partial copy has none, so no
// home can open it by mistake (Home::open compares the origin).
constexpr std::string_view kOriginKey = "origin";

// The source as it was when the copy began; the copy must equal it.
struct Snapshot {
  std::uint64_t size = 0;
  ledger::Hash root{};
  std::vector<StoredCheckpoint> checkpoints;
  std::vector<Record> records;
  std::vector<std::pair<std::string, std::string>> meta;  // without the transient keys
};

bool is_transient(std::string_view key) {
  return std::find(kTransientMeta.begin(), kTransientMeta.end(), key) != kTransientMeta.end();
}

bool same(const Record& a, const Record& b) {
  return a.kind == b.kind && a.id == b.id && a.ref == b.ref && a.version == b.version && a.body == b.body;
}

bool same(const std::vector<StoredCheckpoint>& a, const std::vector<StoredCheckpoint>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const StoredCheckpoint& x, const StoredCheckpoint& y) { return x.size == y.size && x.note == y.note; });
}

std::vector<Record> all_records(store::Store& store) {
  std::vector<Record> out;
  store.scan_records([&](const Record& r) {
    out.push_back(r);
    return true;
  });
  return out;
}

// Streams `store`'s records against `expected`: the first difference, or
// nothing when they are the same records in the same order.
std::optional<std::string> records_differ(store::Store& store, const std::vector<Record>& expected) {
  std::size_t k = 0;
  std::optional<std::string> why;
  store.scan_records([&](const Record& r) {
    if (k == expected.size() || !same(r, expected[k])) {
      why = "record " + r.kind + " " + r.id + " (version " + std::to_string(r.version) + ") differs";
      return false;
    }
    ++k;
    return true;
  });
  if (!why && k != expected.size()) why = "record " + expected[k].kind + " " + expected[k].id + " is missing";
  return why;
}

Snapshot take_snapshot(Home& source) {
  Snapshot s;
  s.size = source.store().ledger_size();
  s.root = source.ledger().root(s.size);
  s.checkpoints = source.store().checkpoints();
  s.records = all_records(source.store());
  for (auto& [key, value] : source.store().all_meta()) {
    if (!is_transient(key)) s.meta.emplace_back(std::move(key), std::move(value));
  }
  return s;
}

// Every row verbatim, `per_transaction` rows per durable append; each must
// continue the target exactly (append_ledger_rows checks it).
void copy_ledger(store::Store& from, store::Store& to, std::uint64_t size, std::size_t per_transaction) {
  std::vector<store::LedgerRow> chunk;
  chunk.reserve(per_transaction);
  std::uint64_t next = 0;
  from.scan_ledger(0, size, [&](const store::LedgerRow& row) {
    if (row.index != next) return false;
    chunk.push_back(row);
    ++next;
    if (chunk.size() == per_transaction) {
      to.append_ledger_rows(chunk);
      chunk.clear();
    }
    return true;
  });
  if (!chunk.empty()) to.append_ledger_rows(chunk);
  if (next != size) {
    fail(ErrorKind::check_failed, "the source's ledger entry " + std::to_string(next) + " is missing");
  }
}

void copy_store(Home& source, const Snapshot& snapshot, store::Store& target, std::size_t per_transaction) {
  copy_ledger(source.store(), target, snapshot.size, per_transaction);
  target.copy_records(snapshot.records);
  for (const StoredCheckpoint& cp : snapshot.checkpoints) target.add_checkpoint(cp);
  for (const auto& [key, value] : snapshot.meta) {
    if (key != kFormatKey && key != kOriginKey) target.set_meta(key, value);
  }
}

// The copy is only as good as a source that held still: servers on it
// must be stopped first (docs/postgresql.md). What can be seen moving is.
void check_source_held_still(Home& source, const Snapshot& snapshot) {
  const std::uint64_t size = source.store().ledger_size();
  if (size != snapshot.size) {
    fail(ErrorKind::conflict, "the source's ledger grew from " + std::to_string(snapshot.size) + " to " +
                                  std::to_string(size) + " entries during the copy: stop every server on it first");
  }
  if (!same(source.store().checkpoints(), snapshot.checkpoints)) {
    fail(ErrorKind::conflict, "the source's checkpoints changed during the copy: stop every server on it first");
  }
  if (auto why = records_differ(source.store(), snapshot.records)) {
    fail(ErrorKind::conflict, "the source's records changed during the copy (" + *why + "): stop every server on it first");
  }
}

std::map<std::string, std::size_t> count_by_kind(const std::vector<Record>& records) {
  std::map<std::string, std::size_t> out;
  for (const Record& r : records) ++out[r.kind];
  return out;
}

// Every stored checkpoint, opened with the home's keys, commits to the
// root the copied tree has at its size.
std::size_t match_checkpoints(store::Store& target, const Home& source, const Snapshot& snapshot) {
  if (!same(target.checkpoints(), snapshot.checkpoints)) fail(ErrorKind::check_failed, "the copy's checkpoints differ from the source's");
  const auto verifiers = source.verifiers();
  ledger::Ledger tree(target, source.config().origin);
  for (const StoredCheckpoint& stored : snapshot.checkpoints) {
    auto cp = ledger::open_checkpoint(stored.note, source.config().origin, verifiers);
    if (!cp || cp->size != stored.size) {
      fail(ErrorKind::check_failed, "the checkpoint of size " + std::to_string(stored.size) +
                                        " does not verify with the home's keys" + (cp ? "" : ": " + cp.error()));
    }
    if (tree.root(cp->size) != cp->root) {
      fail(ErrorKind::check_failed, "the copy's tree of size " + std::to_string(cp->size) +
                                        " does not have the root its checkpoint signs");
    }
  }
  return snapshot.checkpoints.size();
}

// The proof, before anything names the copy: the same verification as
// `mandate ledger verify`, the source's size and root, every checkpoint,
// every record and every meta value.
CopyReport prove_copy(store::Store& target, const Home& source, const Snapshot& snapshot) {
  const auto verified = ledger::verify_ledger(target, source.config().origin, source.verifiers());
  if (!verified.ok) fail(ErrorKind::check_failed, "the copy does not verify: " + verified.problem);
  if (verified.size != snapshot.size || verified.root != snapshot.root) {
    fail(ErrorKind::check_failed, "the copy holds " + std::to_string(verified.size) + " entries with another root than the source's " +
                                      std::to_string(snapshot.size));
  }
  CopyReport report;
  report.entries = verified.size;
  report.root = verified.root;
  report.checkpoints_matched = match_checkpoints(target, source, snapshot);
  if (auto why = records_differ(target, snapshot.records)) fail(ErrorKind::check_failed, "the copy's records differ: " + *why);
  report.records = count_by_kind(snapshot.records);
  for (const auto& [key, value] : snapshot.meta) {
    if (key != kOriginKey && target.meta(key) != value) fail(ErrorKind::check_failed, "the copy's meta " + key + " differs");
  }
  report.meta_keys = snapshot.meta.size();
  return report;
}

std::string retry_hint(const StoreConfig& store) {
  return "; the database " + store.url.substr(0, store.url.find('?')) +
         " may hold a partial copy that no home names: drop and recreate it (DROP DATABASE, then CREATE DATABASE "
         "... ENCODING 'UTF8' TEMPLATE template0) before trying again";
}

void check_can_copy(Home& source, const CopyTarget& target) {
  if (source.config().store.is_postgresql()) {
    fail(ErrorKind::bad_input, source.dir().string() + " already keeps its store in PostgreSQL: copy from a SQLite home");
  }
  if (!target.store.is_postgresql()) fail(ErrorKind::bad_input, "store copy goes into a PostgreSQL database");
  std::error_code ec;
  if (fs::exists(fs::symlink_status(target.new_home, ec))) {
    fail(ErrorKind::bad_input, "--into " + target.new_home.string() + " already exists: name a new directory");
  }
  if (target.rows_per_transaction == 0) fail(ErrorKind::bad_input, "rows per transaction must be at least 1");
}

// Imported audit events keep their ids (stable across re-imports), so
// adding them again rebuilds the same links; the counts must then agree.
std::size_t copy_events(Home& source, const store::ConnectionSettings& settings) {
  constexpr std::size_t kBatch = 5000;
  auto from = source.open_event_store();
  auto into = store::open_postgresql_event_store(settings);
  std::vector<core::AuditEvent> batch;
  store::EventQuery all;
  all.with_raw = true;
  from->scan_events(all, [&](const core::AuditEvent& e) {
    batch.push_back(e);
    if (batch.size() == kBatch) {
      into->add_events(batch);
      batch.clear();
    }
    return true;
  });
  if (!batch.empty()) into->add_events(batch);
  const std::size_t expected = from->event_count();
  if (into->event_count() != expected) {
    fail(ErrorKind::check_failed, "the copy holds " + std::to_string(into->event_count()) + " imported events, the source " +
                                      std::to_string(expected));
  }
  return expected;
}

}  // namespace

CopyReport copy_home_to_postgresql(Home& source, const CopyTarget& target) {
  check_can_copy(source, target);
  const store::ConnectionSettings settings = postgresql_settings(target.new_home, target.store);
  // Refuses a database that already holds a store: nothing is made then.
  auto store = store::create_postgresql_store(settings);
  try {
    const Snapshot snapshot = take_snapshot(source);
    copy_store(source, snapshot, *store, target.rows_per_transaction);
    check_source_held_still(source, snapshot);
    CopyReport report = prove_copy(*store, source, snapshot);
    report.events = copy_events(source, settings);
    store->set_meta(std::string(kOriginKey), source.config().origin);
    store.reset();  // the new home opens its own pool

    Config config;
    config.origin = source.config().origin;
    config.store = target.store;
    write_home_copy(target.new_home, config, source.dir() / "keys");
    try {
      auto moved = Home::open(target.new_home);
      if (moved->ledger().size() != report.entries || moved->ledger().root(report.entries) != report.root) {
        fail(ErrorKind::check_failed, "the new home does not open on the copied ledger");
      }
    } catch (...) {
      std::error_code ec;
      fs::remove_all(target.new_home, ec);
      throw;
    }
    return report;
  } catch (const Error& e) {
    throw Error(e.kind(), std::string(e.what()) + retry_hint(target.store));
  }
}

}  // namespace mandate::home
