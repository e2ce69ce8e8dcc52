#pragma once
// A reference for proof latency: the same keyed leaf-hash read the store
// does, issued straight through the SQLite C API on the store's file, either
// one autocommit statement per read (as the store does today) or all reads
// inside one read transaction. It knows the store's table layout, which is
// fine for a diagnostic and nothing else may rely on.
#include <cstdint>
#include <filesystem>
#include <memory>

#include "crypto/sha256.h"

struct sqlite3;
struct sqlite3_stmt;

namespace mandate::bench {

class RawNodeReader {
 public:
  explicit RawNodeReader(const std::filesystem::path& store);
  ~RawNodeReader();
  RawNodeReader(const RawNodeReader&) = delete;
  RawNodeReader& operator=(const RawNodeReader&) = delete;

  crypto::Hash leaf_hash(std::uint64_t index);
  void begin_read();  // holds one read snapshot until end_read()
  void end_read();

 private:
  void exec(const char* sql);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
};

}  // namespace mandate::bench
