#include "ledger/ledger.h"

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "core/error.h"
#include "ledger/internal/stored_nodes.h"

namespace mandate::ledger {

namespace {

// How long a leader waiting for a fuller batch waits for the next appender
// (Ledger::lead): several times the gap between AuthZEN's arrivals under
// load (about 25 µs), about three mandate-bound decisions' (a verify apart).
constexpr std::chrono::microseconds kArrivalGap{200};
// The longest the committer gathers a batch while another is in flight: a
// commit that stalls (a slow fsync) must not hold up the next one as long.
constexpr std::chrono::milliseconds kMostGathered{2};

// Runs `commit`: what it threw, if anything, and how long it took.
template <typename Commit>
std::pair<std::exception_ptr, std::chrono::nanoseconds> timed(Commit commit) {
  const auto started = std::chrono::steady_clock::now();
  std::exception_ptr error;
  try {
    commit();
  } catch (...) {
    error = std::current_exception();
  }
  return {error, std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started)};
}

// The claim register as set now: a server sets it once, at its first
// decision, while the committer may be reading it.
std::shared_ptr<ClaimRegister> register_now(std::mutex& mu, const std::shared_ptr<ClaimRegister>& claims) {
  std::lock_guard lock(mu);
  return claims;
}

// Whether any waiter of `batch` makes a claim (the claim register is
// asked only then).
template <typename Waiter>
bool makes_claims(const std::vector<Waiter*>& batch) {
  return std::any_of(batch.begin(), batch.end(), [](const Waiter* w) {
    return std::any_of(w->puts.begin(), w->puts.end(), [](const store::RecordPut& put) { return put.claim; });
  });
}

}  // namespace


struct Ledger::Waiter {
  std::span<const EncodedEntry> entries;  // one, or a group with consecutive indices
  // An asynchronous append: it owns its entry and itself, and is told by
  // `on_done` instead of `cv`.
  std::optional<EncodedEntry> owned_entry;
  std::vector<store::RecordPut> owned_puts;
  AppendDone on_done;
  std::unique_ptr<Waiter> self_owned;
  std::span<const store::RecordPut> puts;
  std::uint64_t index = 0;  // of the first entry
  bool done = false;
  std::exception_ptr error;
  std::condition_variable cv;
};

// A batch sent to the store (Ledger::send) and what became of it.
struct Ledger::Flight {
  std::vector<Waiter*> batch;     // every waiter taken, those failed by a held claim too
  std::vector<Waiter*> numbered;  // the waiters sent, in index order
  std::vector<std::uint64_t> indices;  // each numbered waiter's first index
  store::AppendTip tip;                // where the ledger must be for it to land
  store::AppendTip end;                // where it leaves the ledger
  Frontier after;                      // the tree once it has landed
  std::vector<store::RecordPut> claims;  // the claims its entries make
  std::unique_ptr<store::AppendInFlight> commit;  // null when nothing was sent
  std::chrono::steady_clock::time_point sent{};
  // What the store said, once asked (ask).
  bool asked = false;
  bool landed = false;
  bool again = false;  // nothing was written for certain: commit it again
  std::exception_ptr error;
  // When the store answered: seen while gathering the next batch, or else
  // once landed() returned.
  std::optional<std::chrono::steady_clock::time_point> answered_at;

  void ask() {
    if (asked) return;
    asked = true;
    if (!commit) {
      landed = true;
      return;
    }
    try {
      landed = commit->landed();
      again = !landed;
    } catch (const Error& e) {
      again = e.kind() == ErrorKind::conflict;  // a put's version: nothing was written
      error = std::current_exception();
    } catch (...) {
      error = std::current_exception();
    }
    if (!answered_at) answered_at = std::chrono::steady_clock::now();
  }
};

Ledger::Ledger(store::LedgerStore& store, std::string origin) : store_(store), origin_(std::move(origin)) {}

Ledger::~Ledger() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  async_front_.notify_all();
  if (committer_.joinable()) committer_.join();
}

void Ledger::append_async(EncodedEntry entry, AppendDone done) {
  append_async(std::move(entry), {}, std::move(done));
}

void Ledger::append_async(EncodedEntry entry, std::vector<store::RecordPut> puts, AppendDone done) {
  auto waiter = std::make_unique<Waiter>();
  Waiter& self = *waiter;
  self.owned_entry = std::move(entry);
  self.entries = {&*self.owned_entry, 1};
  self.owned_puts = std::move(puts);
  self.puts = self.owned_puts;
  self.on_done = std::move(done);
  self.self_owned = std::move(waiter);
  std::lock_guard lock(queue_mu_);
  if (!committer_.joinable()) committer_ = std::thread([this] { run_committer(); });
  queue_.push_back(&self);
  if (queue_.size() == 1) {
    wake_front();
  } else if (queue_.size() >= wake_leader_at_) {
    more_arrived_.notify_one();
  }
}

void Ledger::wake_front() {
  if (queue_.empty() || leading_) return;
  if (queue_.front()->on_done) {
    async_front_.notify_one();
  } else {
    queue_.front()->cv.notify_one();
  }
}

void Ledger::run_committer() {
  std::unique_lock lock(queue_mu_);
  for (;;) {
    async_front_.wait(lock, [&] {
      return (!queue_.empty() && queue_.front()->on_done && !leading_) || (stopping_ && queue_.empty());
    });
    if (queue_.empty()) return;  // stopping, and nothing left to commit
    if (store_.sends_appends()) {
      lead_sending(lock);
    } else {
      lead(lock);
    }
  }
}

std::uint64_t Ledger::append(const EntryDraft& draft) {
  auto encoded = encode_entry(draft);
  if (!encoded) fail(ErrorKind::bad_input, encoded.error());
  return append(*encoded);
}

std::uint64_t Ledger::append(const EncodedEntry& entry) { return append(entry, {}); }

std::uint64_t Ledger::append(const EntryDraft& draft, std::span<const store::RecordPut> puts) {
  auto encoded = encode_entry(draft);
  if (!encoded) fail(ErrorKind::bad_input, encoded.error());
  return append(*encoded, puts);
}

std::uint64_t Ledger::append(const EncodedEntry& entry, std::span<const store::RecordPut> puts) {
  Waiter self;
  self.entries = {&entry, 1};
  self.puts = puts;
  return wait_for_commit(self);
}

std::uint64_t Ledger::append_group(std::span<const EncodedEntry> entries) {
  if (entries.empty()) return size();
  Waiter self;
  self.entries = entries;
  return wait_for_commit(self);
}

std::uint64_t Ledger::wait_for_commit(Waiter& self) {
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&self);
  // The waiting leader needs waking only once the batch it waits for is
  // complete: a wake per arrival costs a context switch per entry.
  if (queue_.size() > 1 && queue_.size() >= wake_leader_at_) more_arrived_.notify_one();
  // Followers wait; the appender at the front leads and commits everyone
  // queued so far in one transaction (LevelDB's writer queue).
  self.cv.wait(lock, [&] { return self.done || (queue_.front() == &self && !leading_); });
  if (!self.done) lead(lock);
  if (self.error) std::rethrow_exception(self.error);
  return self.index;
}

void Ledger::lead(std::unique_lock<std::mutex>& lock) {
  leading_ = true;
  gather(lock, nullptr);
  const std::vector<Waiter*> batch = take_batch();
  lock.unlock();
  const auto [error, took] = timed([&] { commit_batch(batch); });
  lock.lock();
  last_commit_duration_ = took;
  auto finished = mark_done(batch, error);
  leading_ = false;
  wake_front();
  tell_async(lock, std::move(finished));
}

void Ledger::gather(std::unique_lock<std::mutex>& lock, Flight* in_flight) {
  if (in_flight != nullptr) {
    // The next batch cannot commit before the one in flight has: until
    // about then, waiting for more appenders costs none of them anything.
    // The wait ends when the store has answered, so that the time a batch
    // took is when it was answered, not when the committer got to it.
    if (!in_flight->commit) return;
    const auto starts = std::max(in_flight->sent, last_landed_);
    const auto deadline = starts + std::min<std::chrono::nanoseconds>(last_commit_duration_ * 3 / 4, kMostGathered);
    lock.unlock();
    if (in_flight->commit->answered_by(deadline)) in_flight->answered_at = std::chrono::steady_clock::now();
    lock.lock();
    return;
  }
  // Blocking appenders of the last batch are usually on their way back with
  // their next entry. Waiting for as many as were active around the last commit,
  // at most half a commit's time (PostgreSQL's commit_delay idea), lets one
  // fsync carry them all instead of splitting them into alternating
  // half-size batches. A lone appender never waits; when the load drops,
  // one wait runs out and the expectation follows.
  // The wait also ends when nothing has arrived for kArrivalGap: the rest
  // are not on their way yet (mandate-bound decisions, whose appenders
  // arrive a verify apart, then stop), and every microsecond waited is one
  // more of every request's round trip.
  const std::size_t expected = std::min(expected_batch_, kMaxBatch);
  if (queue_.size() >= expected) return;
  const auto patience = std::min(last_commit_duration_ / 2, std::chrono::nanoseconds(std::chrono::milliseconds(1)));
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (std::size_t before = queue_.size(); queue_.size() < expected; before = queue_.size()) {
    const auto until = std::min(deadline, std::chrono::steady_clock::now() + kArrivalGap);
    wait_for_appenders(lock, until, expected);
    if (queue_.size() == before || until == deadline) break;
  }
}

void Ledger::wait_for_appenders(std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point deadline,
                                std::size_t count) {
  wake_leader_at_ = count;
  more_arrived_.wait_until(lock, deadline, [&] { return queue_.size() >= count; });
  wake_leader_at_ = static_cast<std::size_t>(-1);
}

std::vector<Ledger::Waiter*> Ledger::take_batch() {
  const auto count = static_cast<std::ptrdiff_t>(std::min(queue_.size(), kMaxBatch));
  std::vector<Waiter*> batch(queue_.begin(), queue_.begin() + count);
  queue_.erase(queue_.begin(), queue_.begin() + count);
  return batch;
}

std::vector<std::unique_ptr<Ledger::Waiter>> Ledger::mark_done(const std::vector<Waiter*>& batch,
                                                             std::exception_ptr error) {
  std::vector<std::unique_ptr<Waiter>> finished;  // asynchronous appends, told by tell_async
  for (Waiter* w : batch) {
    if (!w->error) w->error = error;
    w->done = true;
    if (w->on_done) {
      finished.push_back(std::move(w->self_owned));
    } else {
      w->cv.notify_one();
    }
  }
  // Blocking appenders come back with their next entry microseconds after
  // they are told; an asynchronous append's next comes from its client, a
  // network round trip away, later than the wait: on SQLite, where a batch
  // commits only after the one before, waiting for them cost AuthZEN 7-8 %
  // of its rate, so only the blocking ones are expected back (those already
  // queued are here). A store that takes a batch while another is
  // in flight (PostgreSQL) keeps expecting them all: its larger batches
  // meant fewer turns at the lock several servers share, and without the
  // wait two and three servers decided less (docs/BENCHMARKS.md, fourteenth pass).
  const auto expected_back = store_.sends_appends()
                                 ? batch.size()
                                 : static_cast<std::size_t>(std::count_if(
                                       batch.begin(), batch.end(), [](const Waiter* w) { return !w->on_done; }));
  expected_batch_ = expected_back + queue_.size();
  return finished;
}

void Ledger::tell_async(std::unique_lock<std::mutex>& lock, std::vector<std::unique_ptr<Waiter>> finished) {
  if (finished.empty()) return;
  // Told outside the lock: what they do with the news (post an answer)
  // must not hold up the next batch.
  lock.unlock();
  for (const auto& w : finished) w->on_done(w->index, w->error);
  lock.lock();
}

void Ledger::lead_sending(std::unique_lock<std::mutex>& lock) {
  leading_ = true;
  std::unique_ptr<Flight> in_flight;
  for (;;) {
    gather(lock, in_flight.get());
    const std::vector<Waiter*> batch = take_batch();
    if (batch.empty() && !in_flight) break;
    lock.unlock();
    // A batch the store has already answered is told first: its appenders'
    // answers would otherwise wait while the next batch is numbered and sent.
    // One still committing is told after, so that the next is sent behind it.
    const bool answered = in_flight && in_flight->answered_at.has_value();
    if (answered) finish(lock, *in_flight, nullptr);
    std::unique_ptr<Flight> next;
    if (!batch.empty()) next = send(batch, in_flight.get());
    if (in_flight && !answered) finish(lock, *in_flight, next.get());
    if (!batch.empty() && !next) {
      // Not sent (the tree is not loaded yet, or another writer appended
      // lately): committed here, as lead() commits.
      const auto [error, took] = timed([&] { commit_batch(batch); });
      lock.lock();
      last_commit_duration_ = took;
      last_landed_ = std::chrono::steady_clock::now();
      tell_async(lock, mark_done(batch, error));
      lock.unlock();
    }
    in_flight = std::move(next);
    lock.lock();
  }
  leading_ = false;
  wake_front();
}

void Ledger::finish(std::unique_lock<std::mutex>& lock, Flight& flight, Flight* behind) {
  const std::exception_ptr error = land(flight, behind);
  lock.lock();
  if (flight.landed && flight.commit) {
    last_commit_duration_ =
        std::chrono::duration_cast<std::chrono::nanoseconds>(*flight.answered_at - std::max(flight.sent, last_landed_));
    last_landed_ = *flight.answered_at;
  }
  tell_async(lock, mark_done(flight.batch, error));
  lock.unlock();
}

std::unique_ptr<Ledger::Flight> Ledger::send(const std::vector<Waiter*>& batch, const Flight* after) {
  // The first commit reads the tree under the lock (commit_batch), and
  // nothing is numbered after a batch known not to have landed.
  if (after == nullptr ? !frontier_loaded_ : after->asked && !after->landed) return nullptr;
  const std::shared_ptr<ClaimRegister> claims = register_now(claims_mu_, claims_);
  const bool claiming = claims && makes_claims(batch);
  auto flight = std::make_unique<Flight>();
  flight->batch = batch;
  flight->tip = after != nullptr ? after->end : store::AppendTip{frontier_.size(), std::nullopt};
  flight->end = flight->tip;
  flight->after = after != nullptr ? after->after : frontier_;
  try {
    for (Waiter* w : batch) w->error = nullptr;
    // Claims are checked against what has landed, and what is in flight.
    const std::span<const store::RecordPut> in_flight =
        after != nullptr ? std::span<const store::RecordPut>(after->claims) : std::span<const store::RecordPut>();
    flight->numbered = claiming ? without_held_claims(batch, frontier_.size(), in_flight) : batch;
    if (flight->numbered.empty()) return flight;  // every one failed: nothing to send
    const store::Sequenced appended = sequence(flight->numbered, flight->after, flight->indices);
    flight->end = {flight->after.size(), appended.rows.back().leaf_hash};
    for (const Waiter* w : flight->numbered) {
      for (const store::RecordPut& put : w->puts) {
        if (put.claim) flight->claims.push_back(put);
      }
    }
    flight->commit = store_.send_append(appended, flight->tip);
  } catch (...) {
    return nullptr;  // commit_batch commits it, and says why not if it cannot
  }
  if (!flight->commit) return nullptr;
  flight->sent = std::chrono::steady_clock::now();
  return flight;
}

std::exception_ptr Ledger::land(Flight& flight, Flight* behind) {
  flight.ask();
  if (flight.landed) {
    if (!flight.commit) return nullptr;  // nothing was sent
    frontier_ = flight.after;
    frontier_loaded_ = true;
    for (std::size_t i = 0; i < flight.numbered.size(); ++i) flight.numbered[i]->index = flight.indices[i];
    const std::shared_ptr<ClaimRegister> claims = register_now(claims_mu_, claims_);
    if (claims) claims->committed(flight.tip.size, flight.end.size, flight.claims);
    return nullptr;
  }
  frontier_loaded_ = false;
  // What was numbered after this batch must not land on rows committed
  // again below: it is drained first (it fails, as this batch is not there).
  if (behind != nullptr) behind->ask();
  if (!flight.again) return flight.error;  // the outcome is not known: not committed twice
  try {
    commit_batch(flight.batch);
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

std::vector<Ledger::Waiter*> Ledger::admit(const std::vector<Waiter*>& batch) {
  // The stored versions of every record the batch names, in one read.
  std::vector<std::pair<std::string, std::string>> keys;
  for (const Waiter* w : batch) {
    for (const store::RecordPut& put : w->puts) {
      if (!put.keyed_by_entry && !put.claim) keys.emplace_back(put.kind, put.id);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  const std::vector<std::int64_t> stored_versions = store_.record_versions(keys);
  std::map<std::pair<std::string, std::string>, std::int64_t> stored;
  for (std::size_t i = 0; i < keys.size(); ++i) stored.emplace(std::move(keys[i]), stored_versions[i]);

  std::map<std::pair<std::string, std::string>, std::int64_t> versions;  // as the batch leaves them
  std::vector<Waiter*> admitted;
  admitted.reserve(batch.size());
  for (Waiter* w : batch) {
    w->error = nullptr;
    std::vector<std::pair<std::pair<std::string, std::string>, std::int64_t>> mine;  // this entry's own puts
    try {
      for (const store::RecordPut& put : w->puts) {
        if (put.keyed_by_entry || put.claim) continue;  // a fresh id, or the claim register's
        auto key = std::make_pair(put.kind, put.id);
        std::int64_t current = 0;
        if (auto own = std::find_if(mine.rbegin(), mine.rend(), [&](const auto& m) { return m.first == key; });
            own != mine.rend()) {
          current = own->second;
        } else if (auto it = versions.find(key); it != versions.end()) {
          current = it->second;
        } else {
          current = stored.at(key);
        }
        if (put.expected_version != store::kAnyVersion && put.expected_version != current) {
          fail(ErrorKind::conflict, put.kind + " " + put.id + " changed concurrently; nothing was recorded");
        }
        if (put.check_only) continue;
        mine.emplace_back(std::move(key), current + 1);
      }
    } catch (...) {
      w->error = std::current_exception();
      continue;
    }
    for (auto& [key, version] : mine) versions[key] = version;
    admitted.push_back(w);
  }
  return admitted;
}

void Ledger::commit_batch(const std::vector<Waiter*>& all) {
  // The store checks every put's version inside the transaction, so the
  // batch is first committed as it is: a conflict is rare (another process,
  // or a remembered decision state gone stale). Only when the store finds
  // one does admit() read the versions and fail just the entries concerned;
  // reading them before every commit cost the committing thread nearly a
  // fifth of its time.
  const std::shared_ptr<ClaimRegister> claims = register_now(claims_mu_, claims_);
  const bool claiming = claims && makes_claims(all);
  bool admitted_all = true;
  for (int attempt = 0;; ++attempt) {
    std::vector<Waiter*> batch;
    if (admitted_all) {
      batch = all;
      for (Waiter* w : batch) w->error = nullptr;
    } else {
      batch = admit(all);
    }
    if (batch.empty()) return;
    Frontier next;
    std::vector<std::uint64_t> indices;
    std::uint64_t from = 0;
    std::vector<Waiter*> numbered;
    try {
      store_.append_sequenced([&](std::uint64_t size, const store::NodeReader& nodes) {
        from = size;
        numbered = claiming ? without_held_claims(batch, size) : batch;
        // Another process or server may have appended since this one last
        // did: the frontier is then read again, in the same transaction.
        if (!frontier_loaded_ || frontier_.size() != size) {
          frontier_loaded_ = false;
          frontier_ = with_stored_nodes(nodes, [&](NodeSource& source) { return Frontier::load(source, size); });
          frontier_loaded_ = true;
        }
        next = frontier_;
        return sequence(numbered, next, indices);
      });
    } catch (const Error& e) {
      // A record changed under an entry of the batch (another process):
      // admit() reads the versions again and fails only that entry.
      frontier_loaded_ = false;
      if (e.kind() == ErrorKind::conflict && attempt < 8) {
        admitted_all = false;
        continue;
      }
      throw;
    } catch (...) {
      frontier_loaded_ = false;
      throw;
    }
    frontier_ = std::move(next);
    std::vector<store::RecordPut> made;
    for (std::size_t i = 0; i < numbered.size(); ++i) {
      numbered[i]->index = indices[i];
      for (const store::RecordPut& put : numbered[i]->puts) {
        if (put.claim) made.push_back(put);
      }
    }
    if (claims) claims->committed(from, frontier_.size(), made);
    return;
  }
}

namespace {

// `body` with "entry": index as its first member (RecordPut::names_entry).
std::string with_entry_member(const std::string& body, std::uint64_t index) {
  if (body.size() < 2 || body.front() != '{' || body.back() != '}') {
    fail(ErrorKind::internal, "a record that names its entry has a body that is not a JSON object");
  }
  std::string out = "{\"entry\":" + std::to_string(index);
  if (body != "{}") out += ',';
  out.append(body, 1);
  return out;
}

}  // namespace

std::vector<Ledger::Waiter*> Ledger::without_held_claims(const std::vector<Waiter*>& batch, std::uint64_t size,
                                                         std::span<const store::RecordPut> in_flight) {
  const std::shared_ptr<ClaimRegister> claims = register_now(claims_mu_, claims_);
  claims->catch_up(size);
  std::set<std::pair<std::string, std::string>> made;  // by the waiters admitted so far, and in flight
  for (const store::RecordPut& put : in_flight) made.emplace(put.kind, put.id);
  std::vector<Waiter*> admitted;
  admitted.reserve(batch.size());
  for (Waiter* w : batch) {
    if (w->error) continue;  // already failed by admit()
    std::vector<std::pair<std::string, std::string>> mine;
    bool free = true;
    for (const store::RecordPut& put : w->puts) {
      if (!put.claim) continue;
      auto key = std::make_pair(put.kind, put.id);
      if (made.contains(key) || claims->held(put.kind, put.id)) {
        w->error = std::make_exception_ptr(
            Error(ErrorKind::conflict, put.kind + " " + put.id + " is already claimed by another entry; nothing was recorded"));
        free = false;
        break;
      }
      mine.push_back(std::move(key));
    }
    if (!free) continue;
    made.insert(mine.begin(), mine.end());
    admitted.push_back(w);
  }
  return admitted;
}

store::Sequenced Ledger::sequence(const std::vector<Waiter*>& batch, Frontier& next,
                                  std::vector<std::uint64_t>& indices) const {
  store::Sequenced out;
  indices.clear();
  std::vector<Frontier::CompletedNode> completed;
  for (const Waiter* w : batch) {
    indices.push_back(next.size());
    for (const EncodedEntry& entry : w->entries) {
      store::LedgerRow row;
      row.index = next.size();
      row.type = entry.type();
      row.body = entry.bytes(row.index);
      row.leaf_hash = leaf_hash({reinterpret_cast<const std::uint8_t*>(row.body.data()), row.body.size()});
      completed.clear();
      next.append(row.leaf_hash, completed);
      for (const auto& node : completed) row.nodes.append(reinterpret_cast<const char*>(node.hash.data()), 32);
      out.rows.push_back(std::move(row));
    }
    for (const store::RecordPut& put : w->puts) {
      if (put.claim) continue;  // kept by the claim register, not the store
      out.puts.push_back(put);
      if (put.keyed_by_entry) out.puts.back().id = store::entry_record_id(indices.back());
      if (put.names_entry) out.puts.back().body = with_entry_member(put.body, indices.back());
    }
  }
  return out;
}

std::uint64_t Ledger::size() { return store_.ledger_size(); }

Hash Ledger::root(std::uint64_t size) {
  return with_stored_nodes(store_, [&](NodeSource& nodes) { return tree_root(nodes, size); });
}

std::string Ledger::entry_bytes(std::uint64_t index) {
  auto row = store_.ledger_row(index);
  if (!row) fail(ErrorKind::not_found, "no ledger entry " + std::to_string(index));
  return row->body;
}

Hash Ledger::entry_leaf_hash(std::uint64_t index) {
  auto hash = store_.ledger_node(0, index);
  if (!hash) fail(ErrorKind::not_found, "no ledger entry " + std::to_string(index));
  return *hash;
}

std::vector<Hash> Ledger::inclusion_proof(std::uint64_t index, std::uint64_t size) {
  const std::uint64_t current = store_.ledger_size();
  if (size > current) fail(ErrorKind::not_found, "tree size " + std::to_string(size) + " exceeds the ledger's " + std::to_string(current));
  if (index >= size) fail(ErrorKind::not_found, "entry " + std::to_string(index) + " is not in a tree of size " + std::to_string(size));
  return with_stored_nodes(store_, [&](NodeSource& nodes) { return ledger::inclusion_proof(nodes, index, size); });
}

std::vector<Hash> Ledger::consistency_proof(std::uint64_t first, std::uint64_t second) {
  const std::uint64_t current = store_.ledger_size();
  if (second > current) fail(ErrorKind::not_found, "tree size " + std::to_string(second) + " exceeds the ledger's " + std::to_string(current));
  if (first > second) fail(ErrorKind::bad_input, "first size " + std::to_string(first) + " exceeds second size " + std::to_string(second));
  return with_stored_nodes(store_,
                           [&](NodeSource& nodes) { return ledger::consistency_proof(nodes, first, second); });
}

std::shared_ptr<ClaimRegister> Ledger::claims(const std::function<std::shared_ptr<ClaimRegister>()>& make) {
  std::lock_guard lock(claims_mu_);
  if (!claims_) claims_ = make();
  return claims_;
}

std::string Ledger::checkpoint(const crypto::Ed25519PublicKey& key, const SignFunction& sign) {
  Checkpoint cp;
  cp.origin = origin_;
  cp.size = store_.ledger_size();
  cp.root = root(cp.size);
  std::string note = sign_checkpoint(cp, key, sign);
  store_.add_checkpoint({cp.size, note});
  return note;
}

}  // namespace mandate::ledger
