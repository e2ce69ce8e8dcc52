#include "ledger/internal/read_ahead.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace mandate::ledger {
namespace {

struct Chunk {
  std::vector<store::LedgerRow> rows;  // capacity is kept when recycled
  std::size_t count = 0;
};

// Hands filled chunks from the reader to the visitor and empty ones back,
// so row buffers are reused and at most kChunks are ever alive.
class Handover {
 public:
  static constexpr std::size_t kChunks = 4;
  static constexpr std::size_t kRowsPerChunk = 1024;

  Handover() {
    for (std::size_t i = 0; i < kChunks; ++i) empty_.emplace_back();
  }

  // Reader side. Returns an empty chunk, or nothing if the visitor stopped.
  std::optional<Chunk> take_empty() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return stopped_ || !empty_.empty(); });
    if (stopped_) return std::nullopt;
    Chunk c = std::move(empty_.front());
    empty_.pop_front();
    c.count = 0;
    return c;
  }
  void put_full(Chunk c) {
    std::lock_guard lock(mu_);
    full_.push_back(std::move(c));
    changed_.notify_all();
  }
  void finish(std::exception_ptr error) {
    std::lock_guard lock(mu_);
    finished_ = true;
    error_ = error;
    changed_.notify_all();
  }

  // Visitor side. Returns a full chunk, or nothing at the end.
  std::optional<Chunk> take_full() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return finished_ || !full_.empty(); });
    if (full_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return std::nullopt;
    }
    Chunk c = std::move(full_.front());
    full_.pop_front();
    return c;
  }
  void put_empty(Chunk c) {
    std::lock_guard lock(mu_);
    empty_.push_back(std::move(c));
    changed_.notify_all();
  }
  void stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Chunk> empty_, full_;
  bool stopped_ = false, finished_ = false;
  std::exception_ptr error_;
};

void read_chunks(store::LedgerStore& store, std::uint64_t from, std::uint64_t to, Handover& handover) {
  std::optional<Chunk> chunk;
  bool go_on = true;
  store.scan_ledger(from, to, [&](const store::LedgerRow& row) {
    if (!chunk && !(chunk = handover.take_empty())) return go_on = false;
    if (chunk->count == chunk->rows.size()) chunk->rows.emplace_back();
    store::LedgerRow& copy = chunk->rows[chunk->count++];
    copy.index = row.index;
    copy.leaf_hash = row.leaf_hash;
    copy.nodes.assign(row.nodes);
    copy.type.assign(row.type);
    copy.body.assign(row.body);
    if (chunk->count == Handover::kRowsPerChunk) {
      handover.put_full(std::move(*chunk));
      chunk.reset();
    }
    return true;
  });
  if (go_on && chunk && chunk->count > 0) handover.put_full(std::move(*chunk));
}

}  // namespace

void read_ahead_scan(store::LedgerStore& store, std::uint64_t from, std::uint64_t to,
                     const std::function<bool(const store::LedgerRow&)>& visit) {
  Handover handover;
  std::jthread reader([&] {
    try {
      read_chunks(store, from, to, handover);
      handover.finish(nullptr);
    } catch (...) {
      handover.finish(std::current_exception());
    }
  });
  try {
    while (auto chunk = handover.take_full()) {
      for (std::size_t i = 0; i < chunk->count; ++i) {
        if (!visit(chunk->rows[i])) {
          handover.stop();
          return;
        }
      }
      handover.put_empty(std::move(*chunk));
    }
  } catch (...) {
    handover.stop();
    throw;
  }
}

}  // namespace mandate::ledger
