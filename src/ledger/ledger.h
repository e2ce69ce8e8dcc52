#pragma once
// The tamper-evident ledger: an append-only RFC 9162 Merkle log over a
// Store. Appends are durable when they return; concurrent appenders share
// one transaction (group commit), so durability costs one fsync per batch,
// not per entry.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "store/store.h"

namespace mandate::ledger {

// The claims entries hold (store::RecordPut::claim), kept in memory: a
// proof's jti, held by the decision that accepted it for as long as the
// proof could be presented again. The entries are the durable copy, so a
// register learns the claims of the rows other writers (processes,
// servers) append by reading those rows. The ledger calls catch_up and
// held under its append lock, committed after each commit; held may also
// be asked at any time (a decision's own check, before it appends).
class ClaimRegister {
 public:
  virtual ~ClaimRegister() = default;
  // Learns the claims of every committed row before `size` it has not seen.
  virtual void catch_up(std::uint64_t size) = 0;
  virtual bool held(const std::string& kind, const std::string& id) = 0;
  // True when held() answers from memory, reading nothing (a register
  // reads the ledger once, when first asked).
  virtual bool answers_from_memory() = 0;
  // Rows [from, to), appended by this process, committed with `claims`:
  // these are held now, and if the register had learned every row before
  // `from` it has learned every row before `to`.
  virtual void committed(std::uint64_t from, std::uint64_t to, std::span<const store::RecordPut> claims) = 0;
};

class Ledger {
 public:
  Ledger(store::LedgerStore& store, std::string origin);
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const std::string& origin() const { return origin_; }

  // Appends one entry; returns its index once it is committed to disk.
  // Throws Error{bad_input} for an invalid draft (nothing is written).
  std::uint64_t append(const EntryDraft& draft);
  std::uint64_t append(const EncodedEntry& entry);
  // As above, and applies `puts` to the state records in the same durable
  // transaction. When a put's expected version does not hold (checked
  // against the store and the earlier entries of the same batch), throws
  // Error{conflict} and neither the entry nor its puts are written; the
  // other entries of the batch are not affected.
  std::uint64_t append(const EntryDraft& draft, std::span<const store::RecordPut> puts);
  std::uint64_t append(const EncodedEntry& entry, std::span<const store::RecordPut> puts);

  // Appends `entries` as one group: consecutive indices, in the same
  // durable transaction, all or none (an AuthZEN batch's decisions).
  // Returns the first index once they are on disk; an empty group appends
  // nothing and returns the current size.
  std::uint64_t append_group(std::span<const EncodedEntry> entries);

  // Appends `entry` without waiting: `done` is called once the entry is
  // on disk (its index, no error) or has failed (the error), on the thread
  // that committed it, and must not block or throw. It shares group commits
  // with the blocking appends; a thread of the ledger's own commits when no
  // blocking appender leads. The destructor commits what is queued first.
  using AppendDone = std::function<void(std::uint64_t index, std::exception_ptr error)>;
  void append_async(EncodedEntry entry, AppendDone done);
  // The same with `puts` applied in the entry's transaction; a put whose
  // expected version does not hold fails this append alone with
  // Error{conflict}, as append(entry, puts) does.
  void append_async(EncodedEntry entry, std::vector<store::RecordPut> puts, AppendDone done);
  ~Ledger();

  std::uint64_t size();
  Hash root(std::uint64_t size);
  std::string entry_bytes(std::uint64_t index);
  Hash entry_leaf_hash(std::uint64_t index);
  std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size);
  std::vector<Hash> consistency_proof(std::uint64_t first, std::uint64_t second);

  // Signs a checkpoint of the current size with `key` (key name = origin),
  // stores it and returns the signed note.
  std::string checkpoint(const crypto::Ed25519PublicKey& key, const SignFunction& sign);

  // The register that checks claims (one per ledger, shared by every
  // broker on it): `make` makes it on the first call.
  std::shared_ptr<ClaimRegister> claims(const std::function<std::shared_ptr<ClaimRegister>()>& make);

 private:
  struct Waiter;
  struct Flight;  // a batch sent to the store and not yet known to have landed
  static constexpr std::size_t kMaxBatch = 4096;  // appends (or groups) per commit

  std::uint64_t wait_for_commit(Waiter& self);
  void lead(std::unique_lock<std::mutex>& lock);
  // The committer's leading on a store that sends appends: each batch is
  // numbered after the one in flight and sent behind it, before that one
  // is waited for, until the queue runs dry.
  void lead_sending(std::unique_lock<std::mutex>& lock);
  // Waits, under the lock, for the appenders of a fuller batch (see lead),
  // or while `in_flight` commits, for those that can still join the next.
  void gather(std::unique_lock<std::mutex>& lock, Flight* in_flight);
  // Lands `flight` (see land) and tells its appenders; called and returns
  // without the lock.
  void finish(std::unique_lock<std::mutex>& lock, Flight& flight, Flight* behind);
  // Waits until `deadline` or until this many appenders are queued.
  void wait_for_appenders(std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point deadline,
                          std::size_t count);
  // Takes the batch off the queue, under the lock.
  std::vector<Waiter*> take_batch();
  // Marks `batch` done (with `error` where a waiter has none of its own)
  // and wakes its blocking appenders, under the lock; returns the
  // asynchronous ones, to be told outside it (tell_async).
  std::vector<std::unique_ptr<Waiter>> mark_done(const std::vector<Waiter*>& batch, std::exception_ptr error);
  void tell_async(std::unique_lock<std::mutex>& lock, std::vector<std::unique_ptr<Waiter>> finished);
  // Numbers `batch` after `after` (or after the committed tree) and sends
  // it; nullptr when it was not sent (commit_batch it then).
  std::unique_ptr<Flight> send(const std::vector<Waiter*>& batch, const Flight* after);
  // Waits for `flight`; a batch that did not land for certain (the ledger
  // was elsewhere, or a put's version changed) is committed again with
  // commit_batch, once `behind` (sent after it) has been drained. Returns
  // the error its waiters are told.
  std::exception_ptr land(Flight& flight, Flight* behind);
  // Whoever the queue's front is, it learns that it leads now.
  void wake_front();
  void run_committer();
  void commit_batch(const std::vector<Waiter*>& batch);
  // Fails the waiters whose puts conflict; returns the ones still to commit.
  std::vector<Waiter*> admit(const std::vector<Waiter*>& batch);
  // The batch's rows numbered on from `next` (which it advances), and
  // their puts; `indices` gets each waiter's first index.
  store::Sequenced sequence(const std::vector<Waiter*>& batch, Frontier& next,
                            std::vector<std::uint64_t>& indices) const;

  store::LedgerStore& store_;
  std::string origin_;

  std::mutex queue_mu_;
  std::deque<Waiter*> queue_;
  std::condition_variable more_arrived_;  // the waiting leader listens here
  std::size_t expected_batch_ = 0;  // blocking appenders active around the last commit, and those queued
  // An appender that makes the queue this long wakes the waiting leader.
  std::size_t wake_leader_at_ = static_cast<std::size_t>(-1);
  std::chrono::nanoseconds last_commit_duration_{0};
  // When the store last finished a sent batch (lead_sending): the next
  // one's commit starts then at the earliest.
  std::chrono::steady_clock::time_point last_landed_{};
  bool leading_ = false;
  bool stopping_ = false;
  std::condition_variable async_front_;  // the committer listens here
  std::thread committer_;                // started by the first append_async

  // Fails, with Error{conflict}, the waiters of `batch` whose claims are
  // held or made twice in it; returns the others. Under the append lock.
  // `in_flight` are claims made by a batch sent and not yet landed.
  std::vector<Waiter*> without_held_claims(const std::vector<Waiter*>& batch, std::uint64_t size,
                                           std::span<const store::RecordPut> in_flight = {});

  std::mutex claims_mu_;
  std::shared_ptr<ClaimRegister> claims_;

  // Owned by whichever appender is the current batch leader.
  Frontier frontier_;
  bool frontier_loaded_ = false;
};

}  // namespace mandate::ledger
