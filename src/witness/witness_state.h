#pragma once
// What a witness remembers, durably, in one SQLite file: per log, the latest
// checkpoint it cosigned (size, root, and the note with the log's signature
// and its own cosignature, for the monitoring endpoint); and every checkpoint
// from a known log that it refused, with why, as possible evidence of the
// log's misbehaviour.
//
// The file is in WAL mode with synchronous=FULL: a commit is on disk when it
// returns. A decision reads the latest checkpoint and writes the next one in
// one BEGIN IMMEDIATE transaction, so two requests (or two processes on the
// same file) can never both build on the same old size (C2SP tlog-witness's
// rollback race).
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/merkle.h"

namespace mandate::witness {

struct CosignedCheckpoint {
  std::string origin;
  std::uint64_t size = 0;
  ledger::Hash root{};
  std::string note;  // the checkpoint with the log's signature(s) and this witness's cosignature
  std::uint64_t cosigned_at = 0;  // the cosignature's timestamp
};

struct Refusal {
  std::int64_t id = 0;
  std::string origin;
  std::uint64_t received_at = 0;  // seconds since the epoch
  int status = 0;                 // the HTTP status answered
  std::string reason;
  std::uint64_t old_size = 0;
  std::uint64_t size = 0;
  std::string checkpoint;  // the signed checkpoint as submitted
  std::string proof;       // the consistency proof lines as submitted
};

// What a decision writes: the new latest checkpoint, or a refusal to record
// (or neither).
struct StateChange {
  std::optional<CosignedCheckpoint> cosigned;
  std::optional<Refusal> refusal;
};

class WitnessState {
 public:
  // create() refuses an existing file; open() a missing one or one that is
  // not a witness state. Errors name the file.
  static std::expected<std::unique_ptr<WitnessState>, std::string> create(const std::filesystem::path& file);
  static std::expected<std::unique_ptr<WitnessState>, std::string> open(const std::filesystem::path& file);
  ~WitnessState();
  WitnessState(const WitnessState&) = delete;
  WitnessState& operator=(const WitnessState&) = delete;

  // Calls `decide` with the origin's latest cosigned checkpoint (none if it
  // never cosigned one) inside one BEGIN IMMEDIATE transaction, writes the
  // change it returns and commits; returns once that is durable. Throws
  // Error{io} when the database fails (nothing is then written).
  using Decide = std::function<StateChange(const std::optional<CosignedCheckpoint>& latest)>;
  void decide(std::string_view origin, const Decide& decide);

  std::optional<CosignedCheckpoint> latest(std::string_view origin);
  std::vector<CosignedCheckpoint> all_latest();
  // Newest first; `origin` empty: every log's.
  std::vector<Refusal> refusals(std::string_view origin, std::size_t limit);

  // Only this file's implementation makes a Db: use create() or open().
  struct Db;
  explicit WitnessState(std::unique_ptr<Db> db);

 private:
  std::mutex mu_;  // one connection, used by one thread at a time
  std::unique_ptr<Db> db_;
};

}  // namespace mandate::witness
