#include "store/sqlite/internal/sqlite_readers.h"

namespace mandate::store::sqlite {

Reader::Reader(const std::string& path)
    : db(path, Database::Mode::read),
      select_record(db.handle(), "SELECT ref, version, body FROM state_record WHERE kind = ?1 AND id = ?2"),
      select_version(db.handle(), "SELECT version FROM state_record WHERE kind = ?1 AND id = ?2"),
      select_entry(db.handle(), "SELECT idx, leaf_hash, nodes, type, body FROM ledger_entry WHERE idx = ?1"),
      select_records(db.handle(), "SELECT id, ref, version, body FROM state_record WHERE kind = ?1 ORDER BY id"),
      select_records_by_ref(db.handle(),
                            "SELECT id, ref, version, body FROM state_record "
                            "WHERE kind = ?1 AND ref = ?2 AND ref <> '' ORDER BY id"),
      select_node_row(db.handle(), "SELECT leaf_hash, nodes FROM ledger_entry WHERE idx = ?1"),
      // CROSS JOIN keeps the generated keys outside: one keyed lookup each.
      select_node_range(db.handle(),
                        "WITH RECURSIVE k(i) AS (SELECT ?1 UNION ALL SELECT i + ?2 FROM k WHERE i + ?2 <= ?3) "
                        "SELECT e.idx, e.leaf_hash, e.nodes FROM k CROSS JOIN ledger_entry e ON e.idx = k.i"),
      scan_entries(db.handle(), "SELECT idx, leaf_hash, nodes, type, body FROM ledger_entry "
                                "WHERE idx >= ?1 AND idx < ?2 ORDER BY idx"),
      select_size(db.handle(), "SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entry"),
      begin(db.handle(), "BEGIN"),
      commit(db.handle(), "COMMIT") {}

void Reader::begin_read() {
  begin.step();
  begin.reset();
}

void Reader::end_read() {
  commit.step();
  commit.reset();
}

ReaderPool::Lease ReaderPool::lease() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto reader = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(reader));
    }
  }
  return Lease(*this, std::make_unique<Reader>(path_));
}

void ReaderPool::give_back(std::unique_ptr<Reader> reader) {
  if (!reader) return;
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(reader));
}

}  // namespace mandate::store::sqlite
