#pragma once
// Private to the store module: the build defines MANDATE_INSIDE_STORE only for src/store/ and tests/store/.
#ifndef MANDATE_INSIDE_STORE
#error "this header is internal to the store module; include a public store/ header instead"
#endif
// Read connections beside the store's one writer. In WAL mode a reader sees
// the last committed state and never waits for a commit in flight, so state
// reads on the decision path go on while the writer is in its fsync.
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite/internal/sqlite_db.h"

namespace mandate::store::sqlite {

struct Reader {
  explicit Reader(const std::string& path);
  Database db;
  Statement select_record, select_version, select_entry, select_records, select_records_by_ref;
  Statement select_node_row, select_node_range, scan_entries, select_size;
  // One read transaction (one WAL read lock, one snapshot) around several
  // reads, its statements prepared once: parsing "BEGIN" and "COMMIT" for
  // each decision's reads was a quarter of their time. A reader whose
  // reads threw is closed by its lease, transaction and all.
  void begin_read();
  void end_read();
  Statement begin, commit;
};

class ReaderPool {
 public:
  // A reader held by one caller, back in the pool when the lease ends.
  class Lease {
   public:
    Lease(ReaderPool& pool, std::unique_ptr<Reader> reader) : pool_(pool), reader_(std::move(reader)) {}
    // A reader left by an exception may hold a statement mid-step or a read
    // transaction open: it is closed, not given to the next caller.
    ~Lease() {
      if (std::uncaught_exceptions() > exceptions_) reader_.reset();
      pool_.give_back(std::move(reader_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Reader* operator->() { return reader_.get(); }

   private:
    ReaderPool& pool_;
    std::unique_ptr<Reader> reader_;
    int exceptions_ = std::uncaught_exceptions();
  };

  explicit ReaderPool(std::string path) : path_(std::move(path)) {}
  // An idle reader, or a new one: as many exist as calls ever read at once.
  Lease lease();

 private:
  void give_back(std::unique_ptr<Reader> reader);

  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Reader>> idle_;
};

}  // namespace mandate::store::sqlite
