// The Ledger over a real SQLite store: indices, group commit, proofs
// against the stored tree, and verification.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.h"
#include "crypto/ed25519.h"
#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "store/sqlite/sqlite_store.h"
#include "support/process.h"

namespace mandate::ledger {
namespace {

using mandate::testing::TempDir;

// Counts transactions so the test can see appends being batched.
class CountingStore final : public store::LedgerStore {
 public:
  explicit CountingStore(store::LedgerStore& inner) : inner_(inner) {}
  std::atomic<int> transactions{0};

  std::uint64_t ledger_size() override { return inner_.ledger_size(); }
  std::int64_t record_version(const std::string& kind, const std::string& id) override {
    return inner_.record_version(kind, id);
  }
  void append_sequenced(const store::Sequencer& sequence) override {
    ++transactions;
    inner_.append_sequenced(sequence);
  }
  std::optional<store::LedgerRow> ledger_row(std::uint64_t i) override { return inner_.ledger_row(i); }
  std::optional<store::Hash> ledger_node(unsigned level, std::uint64_t i) override {
    return inner_.ledger_node(level, i);
  }
  std::vector<std::optional<store::Hash>> ledger_nodes(std::span<const store::NodeId> ids) override {
    return inner_.ledger_nodes(ids);
  }
  void scan_ledger(std::uint64_t from, std::uint64_t to,
                   const std::function<bool(const store::LedgerRow&)>& visit) override {
    inner_.scan_ledger(from, to, visit);
  }
  void add_checkpoint(const store::StoredCheckpoint& c) override { inner_.add_checkpoint(c); }
  std::vector<store::StoredCheckpoint> checkpoints() override { return inner_.checkpoints(); }

 private:
  store::LedgerStore& inner_;
};

EntryDraft draft(int writer, int seq) {
  EntryDraft d;
  d.type = "test.entry";
  d.actor = {"writer-" + std::to_string(writer), "workload", ""};
  d.data = {{"writer", writer}, {"seq", seq}};
  return d;
}

TEST(Ledger, ConcurrentAppendsAreGroupCommittedWithoutGaps) {
  TempDir tmp;
  auto sqlite = store::create_sqlite_store((tmp / "m.db").string());
  CountingStore counting(*sqlite);
  Ledger ledger(counting, "test/ledger");
  constexpr int kThreads = 8, kPerThread = 150;
  std::vector<std::vector<std::uint64_t>> indices(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) indices[t].push_back(ledger.append(draft(t, i)));
      });
    }
  }
  std::set<std::uint64_t> all;
  for (const auto& v : indices) all.insert(v.begin(), v.end());
  ASSERT_EQ(all.size(), std::size_t{kThreads * kPerThread});
  EXPECT_EQ(*all.rbegin(), std::uint64_t{kThreads * kPerThread - 1});
  EXPECT_LT(counting.transactions.load(), kThreads * kPerThread / 2) << "appends were hardly batched";
  std::cout << kThreads * kPerThread << " appends in " << counting.transactions.load() << " transactions\n";
  // Each thread's entries are where append said they are.
  for (int t = 0; t < kThreads; ++t) {
    const std::string body = ledger.entry_bytes(indices[t][7]);
    EXPECT_NE(body.find("\"seq\":7,\"writer\":" + std::to_string(t)), std::string::npos) << body;
  }
  const auto key = crypto::Ed25519PrivateKey::generate();
  const auto verifier = NoteVerifier::for_key("test/ledger", key.public_key());
  ledger.checkpoint(key.public_key(), [&](std::string_view t) { return key.sign(t); });
  const auto report = verify_ledger(*sqlite, "test/ledger", std::span(&verifier, 1));
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.checkpoints_checked, 1u);
}

// Appends that do not wait share commits with those that do: every one is
// told exactly once, with its own index, and is where it was told.
TEST(Ledger, AsynchronousAppendsAreToldOnceAndShareCommitsWithBlockingOnes) {
  TempDir tmp;
  auto sqlite = store::create_sqlite_store((tmp / "m.db").string());
  CountingStore counting(*sqlite);
  constexpr int kAsyncThreads = 4, kSyncThreads = 2, kPerThread = 300;
  std::mutex told_mu;
  std::map<std::pair<int, int>, std::vector<std::uint64_t>> told;  // (writer, seq) -> indices it was told
  std::vector<std::vector<std::uint64_t>> sync_indices(kSyncThreads);
  {
    Ledger ledger(counting, "test/ledger");
    {
      std::vector<std::jthread> threads;
      for (int t = 0; t < kAsyncThreads; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < kPerThread; ++i) {
            ledger.append_async(*encode_entry(draft(t, i)), [&, t, i](std::uint64_t index, std::exception_ptr error) {
              std::lock_guard lock(told_mu);
              told[{t, i}].push_back(error ? ~std::uint64_t{0} : index);
            });
          }
        });
      }
      for (int t = 0; t < kSyncThreads; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < kPerThread; ++i) sync_indices[t].push_back(ledger.append(draft(100 + t, i)));
        });
      }
    }
    // Destroying the ledger commits what is still queued, and tells it.
  }
  ASSERT_EQ(told.size(), std::size_t{kAsyncThreads * kPerThread});
  std::set<std::uint64_t> all;
  for (const auto& [key, indices] : told) {
    ASSERT_EQ(indices.size(), 1u) << "append (" << key.first << ", " << key.second << ") was told " << indices.size() << " times";
    all.insert(indices[0]);
  }
  for (const auto& v : sync_indices) all.insert(v.begin(), v.end());
  constexpr std::size_t kTotal = (kAsyncThreads + kSyncThreads) * kPerThread;
  ASSERT_EQ(all.size(), kTotal);
  EXPECT_EQ(*all.rbegin(), kTotal - 1);
  EXPECT_LT(counting.transactions.load(), static_cast<int>(kTotal / 2)) << "appends were hardly batched";
  Ledger reopened(*sqlite, "test/ledger");
  for (const auto& [key, indices] : told) {
    if (key.second % 37 != 0) continue;
    const std::string body = reopened.entry_bytes(indices[0]);
    EXPECT_NE(body.find("\"seq\":" + std::to_string(key.second) + ",\"writer\":" + std::to_string(key.first)), std::string::npos)
        << body;
  }
  const auto report = verify_ledger(*sqlite, "test/ledger", {});
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST(Ledger, ProofsFromTheStoredTreeVerifyAgainstItsRoots) {
  TempDir tmp;
  auto sqlite = store::create_sqlite_store((tmp / "m.db").string());
  Ledger ledger(*sqlite, "test/ledger");
  for (int i = 0; i < 70; ++i) ledger.append(draft(0, i));
  for (std::uint64_t size = 1; size <= 70; size += 3) {
    const Hash root = ledger.root(size);
    for (std::uint64_t index = 0; index < size; index += 5) {
      EXPECT_TRUE(verify_inclusion(index, size, ledger.entry_leaf_hash(index), ledger.inclusion_proof(index, size), root))
          << index << "/" << size;
    }
    for (std::uint64_t first = 1; first <= size; first += 4) {
      EXPECT_TRUE(verify_consistency(first, size, ledger.root(first), root, ledger.consistency_proof(first, size)))
          << first << "/" << size;
    }
  }
}

TEST(Ledger, AnInvalidDraftIsRefusedAndWritesNothing) {
  TempDir tmp;
  auto sqlite = store::create_sqlite_store((tmp / "m.db").string());
  Ledger ledger(*sqlite, "test/ledger");
  EntryDraft bad = draft(0, 0);
  bad.actor.kind = "robot";
  EXPECT_THROW(ledger.append(bad), Error);
  EXPECT_EQ(ledger.size(), 0u);
  EXPECT_EQ(ledger.append(draft(0, 0)), 0u);
}

TEST(Ledger, TwoLedgersOnOneStoreKeepOneSequence) {
  // Two writers (as two processes would) share one file: the second one's
  // stale frontier is detected and reloaded, never forked.
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  auto a_store = store::create_sqlite_store(path);
  auto b_store = store::open_sqlite_store(path);
  Ledger a(*a_store, "test/ledger"), b(*b_store, "test/ledger");
  EXPECT_EQ(a.append(draft(0, 0)), 0u);
  EXPECT_EQ(b.append(draft(1, 0)), 1u);
  EXPECT_EQ(a.append(draft(0, 1)), 2u);
  const auto key = crypto::Ed25519PrivateKey::generate();
  const auto verifier = NoteVerifier::for_key("test/ledger", key.public_key());
  EXPECT_TRUE(verify_ledger(*a_store, "test/ledger", std::span(&verifier, 1)).ok);
}

}  // namespace
}  // namespace mandate::ledger

namespace mandate::ledger {
namespace {

// Each appender reads a counter record, then appends an entry that moves it
// from the version it read: lost updates would show as a final version
// below the number of successful appends, a leak as rows without puts.
TEST(Ledger, RecordPutsAreAtomicWithTheirEntryAndConflictsLoseNothing) {
  TempDir tmp;
  auto sqlite = store::create_sqlite_store((tmp / "m.db").string());
  Ledger ledger(*sqlite, "test/ledger");
  constexpr int kThreads = 6, kPerThread = 40;
  std::atomic<int> conflicts{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread;) {
          const std::int64_t seen = sqlite->record_version("counter", "c");
          std::vector<store::RecordPut> puts{{"counter", "c", "", std::to_string(seen + 1), seen}};
          try {
            ledger.append(draft(t, i), puts);
            ++i;
          } catch (const Error& e) {
            ASSERT_EQ(e.kind(), ErrorKind::conflict);
            ++conflicts;
          }
        }
      });
    }
  }
  EXPECT_EQ(ledger.size(), std::uint64_t{kThreads * kPerThread});
  auto counter = sqlite->record("counter", "c");
  ASSERT_TRUE(counter);
  EXPECT_EQ(counter->version, kThreads * kPerThread);
  EXPECT_EQ(counter->body, std::to_string(kThreads * kPerThread));
  std::cout << "conflicts retried: " << conflicts.load() << "\n";
}

TEST(Ledger, AConflictingPutFailsOnlyItsOwnEntry) {
  TempDir tmp;
  auto sqlite = store::create_sqlite_store((tmp / "m.db").string());
  Ledger ledger(*sqlite, "test/ledger");
  std::vector<store::RecordPut> first{{"proof", "jti-1", "", "{}", store::kAbsent}};
  EXPECT_EQ(ledger.append(draft(0, 0), first), 0u);
  EXPECT_THROW(ledger.append(draft(0, 1), first), Error);
  EXPECT_EQ(ledger.append(draft(0, 2)), 1u);
  EXPECT_EQ(ledger.size(), 2u);
}

}  // namespace
}  // namespace mandate::ledger

namespace mandate::ledger {
namespace {

TEST(Ledger, APutThatNamesItsEntryCarriesTheEntrysIndexInItsBody) {
  TempDir tmp;
  auto sqlite = store::create_sqlite_store((tmp / "m.db").string());
  Ledger ledger(*sqlite, "test/ledger");
  ledger.append(draft(0, 0));
  store::RecordPut empty{"count", "a", "", "{}", store::kAbsent};
  empty.names_entry = true;
  store::RecordPut counted{"count", "b", "", R"({"uses":1})", store::kAbsent};
  counted.names_entry = true;
  const std::vector<store::RecordPut> puts{empty, counted};
  EXPECT_EQ(ledger.append(draft(0, 1), puts), 1u);
  EXPECT_EQ(sqlite->record("count", "a")->body, R"({"entry":1})");
  EXPECT_EQ(sqlite->record("count", "b")->body, R"({"entry":1,"uses":1})");

  // A body that is no JSON object is refused, and nothing is written.
  store::RecordPut scalar{"count", "c", "", "7", store::kAbsent};
  scalar.names_entry = true;
  const std::vector<store::RecordPut> bad{scalar};
  try {
    ledger.append(draft(0, 2), bad);
    FAIL() << "a scalar body was given an entry";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::internal);
  }
  EXPECT_EQ(ledger.size(), 2u);
  EXPECT_FALSE(sqlite->record("count", "c"));
  EXPECT_EQ(ledger.append(draft(0, 3)), 2u);
}

}  // namespace
}  // namespace mandate::ledger

namespace mandate::ledger {
namespace {

// A register that holds what it is told, and notes how it is called.
class ClaimsHeldInASet final : public ClaimRegister {
 public:
  void catch_up(std::uint64_t size) override {
    std::lock_guard lock(mu);
    caught_up_to.push_back(size);
  }
  bool held(const std::string& kind, const std::string& id) override {
    std::lock_guard lock(mu);
    return keys.contains(kind + "/" + id);
  }
  bool answers_from_memory() override { return true; }
  void committed(std::uint64_t from, std::uint64_t to, std::span<const store::RecordPut> claims) override {
    std::lock_guard lock(mu);
    for (const auto& c : claims) keys.insert(c.kind + "/" + c.id);
    commits.emplace_back(from, to);
  }
  std::mutex mu;
  std::set<std::string> keys;
  std::vector<std::uint64_t> caught_up_to;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> commits;
};

store::RecordPut claim_of(const std::string& id) {
  store::RecordPut put{"proof", id, "", "0", store::kAbsent, false};
  put.claim = true;
  return put;
}

bool is_conflict(const std::function<void()>& append) {
  try {
    append();
  } catch (const Error& e) {
    return e.kind() == ErrorKind::conflict;
  }
  return false;
}

TEST(LedgerClaims, AHeldClaimFailsOnlyItsEntryAndNoClaimIsStored) {
  TempDir tmp;
  auto sqlite = store::create_sqlite_store((tmp / "m.db").string());
  Ledger ledger(*sqlite, "test/ledger");
  const auto claims = std::make_shared<ClaimsHeldInASet>();
  ASSERT_EQ(ledger.claims([&] { return claims; }), claims);
  EXPECT_EQ(ledger.claims(nullptr), claims) << "made once";
  claims->keys.insert("proof/taken");

  const std::vector<store::RecordPut> taken{claim_of("taken")};
  EXPECT_TRUE(is_conflict([&] { ledger.append(draft(0, 0), taken); }));
  EXPECT_EQ(ledger.size(), 0u) << "nothing was recorded";
  const std::vector<store::RecordPut> fresh{claim_of("fresh")};
  EXPECT_EQ(ledger.append(draft(0, 1), fresh), 0u);
  EXPECT_TRUE(claims->held("proof", "fresh")) << "told once committed";
  EXPECT_FALSE(sqlite->record("proof", "fresh")) << "a claim is not a record";
  EXPECT_TRUE(is_conflict([&] { ledger.append(draft(0, 2), fresh); }));
  EXPECT_EQ(ledger.size(), 1u);
  // Every commit is told, one that numbered no row too.
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> commits{{0, 0}, {0, 1}, {1, 1}};
  EXPECT_EQ(claims->commits, commits);
}

// Appended without waiting, many entries claiming one key share commits:
// exactly one of them holds it, whichever batch each lands in.
TEST(LedgerClaims, OneOfManyEntriesClaimingOneKeyIsRecorded) {
  TempDir tmp;
  auto sqlite = store::create_sqlite_store((tmp / "m.db").string());
  const auto claims = std::make_shared<ClaimsHeldInASet>();
  std::atomic<int> recorded{0};
  std::atomic<int> refused{0};
  {
    Ledger ledger(*sqlite, "test/ledger");
    ledger.claims([&] { return claims; });
    for (int i = 0; i < 50; ++i) {
      auto entry = encode_entry(draft(i, 0)).value();
      ledger.append_async(std::move(entry), {claim_of(i % 2 == 0 ? "same" : "own-" + std::to_string(i))},
                          [&](std::uint64_t, std::exception_ptr error) {
                            if (!error) {
                              ++recorded;
                            } else if (is_conflict([&] { std::rethrow_exception(error); })) {
                              ++refused;
                            }
                          });
    }
  }
  EXPECT_EQ(recorded, 26) << "the 25 own keys and one of the 25 claims of the same";
  EXPECT_EQ(refused, 24);
  EXPECT_EQ(sqlite->ledger_size(), 26u);
}

// Another writer's rows are before the size the store gives the sequencer:
// the register catches up to it under the append lock, and a commit of
// this ledger then tells it the rows it appended.
TEST(LedgerClaims, TheRegisterCatchesUpWithAnotherWritersRowsBeforeAClaimCommits) {
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  auto a_store = store::create_sqlite_store(path);
  auto b_store = store::open_sqlite_store(path);
  Ledger a(*a_store, "test/ledger"), b(*b_store, "test/ledger");
  const auto claims = std::make_shared<ClaimsHeldInASet>();
  a.claims([&] { return claims; });
  a.append(draft(0, 0));
  EXPECT_TRUE(claims->caught_up_to.empty()) << "an entry without claims does not catch up";
  b.append(draft(1, 0));
  b.append(draft(1, 1));
  const std::vector<store::RecordPut> mine{claim_of("mine")};
  EXPECT_EQ(a.append(draft(0, 1), mine), 3u);
  EXPECT_EQ(claims->caught_up_to, std::vector<std::uint64_t>{3});
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> commits{{0, 1}, {3, 4}};
  EXPECT_EQ(claims->commits, commits);
}

}  // namespace
}  // namespace mandate::ledger
