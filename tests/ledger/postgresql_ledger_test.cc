// The ledger over PostgreSQL, written by several servers at once: each
// server's Ledger keeps its own frontier, which another server's appends
// make stale; the append reads it again inside its transaction, so the
// servers build one tree, never a fork, and lost updates cannot happen.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/error.h"
#include "crypto/ed25519.h"
#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "store/postgresql/postgresql_store.h"
#include "support/postgres.h"

namespace mandate::ledger {
namespace {

using mandate::testing::TestDatabase;

EntryDraft draft(int server, int seq) {
  EntryDraft d;
  d.type = "test.entry";
  d.actor = {"server-" + std::to_string(server), "workload", ""};
  d.data = {{"server", server}, {"seq", seq}};
  return d;
}

store::ConnectionSettings settings_for(const TestDatabase& database) {
  store::ConnectionSettings s;
  s.url = database.url();
  s.pool_size = 4;
  return s;
}

TEST(PostgresqlLedger, ThreeServersAppendingAtOnceBuildOneVerifiableTree) {
  const TestDatabase database = TestDatabase::create();
  std::vector<std::unique_ptr<store::Store>> stores;
  stores.push_back(store::create_postgresql_store(settings_for(database)));
  stores.push_back(store::open_postgresql_store(settings_for(database)));
  stores.push_back(store::open_postgresql_store(settings_for(database)));
  std::vector<std::unique_ptr<Ledger>> servers;
  for (auto& s : stores) servers.push_back(std::make_unique<Ledger>(*s, "test/ledger"));

  constexpr int kThreadsPerServer = 3, kPerThread = 25;
  std::atomic<int> counter_conflicts{0};
  {
    std::vector<std::jthread> threads;
    for (int server = 0; server < 3; ++server) {
      for (int t = 0; t < kThreadsPerServer; ++t) {
        threads.emplace_back([&, server, t] {
          for (int i = 0; i < kPerThread;) {
            // A counter every server moves: a lost update would leave its
            // version below the number of entries that moved it.
            const std::int64_t seen = stores[server]->record_version("counter", "c");
            const std::vector<store::RecordPut> puts{{"counter", "c", "", std::to_string(seen + 1), seen}};
            try {
              servers[server]->append(draft(server, t * kPerThread + i), puts);
              ++i;
            } catch (const Error& e) {
              ASSERT_EQ(e.kind(), ErrorKind::conflict) << e.what();
              ++counter_conflicts;
            }
          }
        });
      }
    }
  }
  const std::uint64_t total = 3 * kThreadsPerServer * kPerThread;
  EXPECT_EQ(servers[0]->size(), total);
  EXPECT_EQ(stores[1]->record_version("counter", "c"), static_cast<std::int64_t>(total));
  // Every server computes the same root, and the tree verifies node by node.
  EXPECT_EQ(servers[0]->root(total), servers[2]->root(total));
  const auto key = crypto::Ed25519PrivateKey::generate();
  const auto verifier = NoteVerifier::for_key("test/ledger", key.public_key());
  servers[1]->checkpoint(key.public_key(), [&](std::string_view t) { return key.sign(t); });
  const VerifyReport report = verify_ledger(*stores[2], "test/ledger", std::span(&verifier, 1));
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.size, total);
  // Inclusion proofs from one server check against another's root.
  const auto proof = servers[2]->inclusion_proof(17, total);
  EXPECT_TRUE(verify_inclusion(17, total, servers[0]->entry_leaf_hash(17), proof, servers[1]->root(total)));
  std::cout << "[ info ] " << counter_conflicts.load() << " conflicting counter moves decided again\n";
}

// Appends one entry without waiting and waits for what it is told.
std::exception_ptr append_and_wait(Ledger& ledger, const EntryDraft& d, std::vector<store::RecordPut> puts,
                                   std::uint64_t* index = nullptr) {
  std::promise<std::exception_ptr> told;
  auto told_future = told.get_future();
  ledger.append_async(encode_entry(d).value(), std::move(puts), [&](std::uint64_t i, std::exception_ptr error) {
    if (index != nullptr) *index = i;
    told.set_value(error);
  });
  return told_future.get();
}

bool is_conflict(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return e.kind() == ErrorKind::conflict;
  } catch (...) {
    return false;
  }
}

// Claims held in memory: the only writer learns nothing from catch_up.
class ClaimsInMemory final : public ClaimRegister {
 public:
  void catch_up(std::uint64_t) override {}
  bool held(const std::string& kind, const std::string& id) override {
    std::lock_guard lock(mu_);
    return held_.contains({kind, id});
  }
  bool answers_from_memory() override { return true; }
  void committed(std::uint64_t, std::uint64_t, std::span<const store::RecordPut> claims) override {
    std::lock_guard lock(mu_);
    for (const auto& c : claims) held_.emplace(c.kind, c.id);
  }

 private:
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> held_;
};

// One server's ledger sends each batch behind the one in flight: claims
// made by a batch not yet landed are held against the next, and a put at
// a stale version fails its own entry only, though the batches sent
// behind its batch were numbered as if it had landed.
TEST(PostgresqlLedger, BatchesSentBehindOneAnotherFailOnlyTheirOwnConflicts) {
  const TestDatabase database = TestDatabase::create();
  auto store = store::create_postgresql_store(settings_for(database));
  ASSERT_TRUE(store->sends_appends());
  constexpr int kClaimers = 4, kClaimsEach = 200, kKeys = 100, kCounters = 2, kMovesEach = 150;
  std::atomic<int> claims_recorded{0}, claims_refused{0}, other_errors{0};
  std::vector<int> moved(kCounters, 0), refused_moves(kCounters, 0);
  {
    Ledger ledger(*store, "test/ledger");
    const auto claims = std::make_shared<ClaimsInMemory>();
    ledger.claims([&] { return claims; });
    std::vector<std::jthread> threads;
    for (int t = 0; t < kClaimers; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kClaimsEach; ++i) {
          store::RecordPut claim{"proof", "k-" + std::to_string(i % kKeys), "", "0"};
          claim.claim = true;
          ledger.append_async(encode_entry(draft(t, i)).value(), {claim}, [&](std::uint64_t, std::exception_ptr error) {
            if (!error) {
              ++claims_recorded;
            } else if (is_conflict(error)) {
              ++claims_refused;
            } else {
              ++other_errors;
            }
          });
        }
      });
    }
    for (int c = 0; c < kCounters; ++c) {
      threads.emplace_back([&, c] {
        const std::string id = "c" + std::to_string(c);
        for (int i = 0; i < kMovesEach; ++i) {
          // Every 10th move names a version the counter is not at.
          const std::int64_t expected = i % 10 == 9 ? moved[c] + 5 : moved[c];
          const std::exception_ptr error =
              append_and_wait(ledger, draft(10 + c, i), {{"counter", id, "", std::to_string(i), expected}});
          if (!error) {
            ++moved[c];
          } else if (is_conflict(error)) {
            ++refused_moves[c];
          } else {
            ++other_errors;
          }
        }
      });
    }
  }
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_EQ(claims_recorded.load(), kKeys) << "one entry per key claimed";
  EXPECT_EQ(claims_refused.load(), kClaimers * kClaimsEach - kKeys);
  std::uint64_t total = static_cast<std::uint64_t>(kKeys);
  for (int c = 0; c < kCounters; ++c) {
    EXPECT_EQ(refused_moves[c], kMovesEach / 10) << "counter " << c;
    EXPECT_EQ(store->record_version("counter", "c" + std::to_string(c)), moved[c]);
    total += static_cast<std::uint64_t>(moved[c]);
  }
  EXPECT_EQ(store->ledger_size(), total);
  const VerifyReport report = verify_ledger(*store, "test/ledger", {});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.size, total);
}

// Two servers each send batches behind their own, on one database: a
// batch numbered after a size the other server's rows took lands nowhere,
// and is numbered again under the lock. One tree, no update lost.
TEST(PostgresqlLedger, TwoServersSendingBatchesBuildOneTreeAndLoseNoUpdate) {
  const TestDatabase database = TestDatabase::create();
  std::vector<std::unique_ptr<store::Store>> stores;
  stores.push_back(store::create_postgresql_store(settings_for(database)));
  stores.push_back(store::open_postgresql_store(settings_for(database)));
  constexpr int kThreadsPerServer = 4, kPerThread = 60;
  std::atomic<int> conflicts{0}, other_errors{0};
  {
    std::vector<std::unique_ptr<Ledger>> servers;
    for (auto& s : stores) servers.push_back(std::make_unique<Ledger>(*s, "test/ledger"));
    std::vector<std::jthread> threads;
    for (int server = 0; server < 2; ++server) {
      for (int t = 0; t < kThreadsPerServer; ++t) {
        threads.emplace_back([&, server, t] {
          for (int i = 0; i < kPerThread;) {
            // Half the entries move a counter both servers move; the others
            // move one of their own.
            const std::string id = i % 2 == 0 ? "shared" : "s" + std::to_string(server) + "-" + std::to_string(t);
            const std::int64_t seen = stores[server]->record_version("counter", id);
            const std::exception_ptr error = append_and_wait(*servers[server], draft(server, t * kPerThread + i),
                                                             {{"counter", id, "", std::to_string(seen + 1), seen}});
            if (!error) {
              ++i;
            } else if (is_conflict(error)) {
              ++conflicts;
            } else {
              ++other_errors;
              ++i;
            }
          }
        });
      }
    }
  }
  EXPECT_EQ(other_errors.load(), 0);
  const std::uint64_t total = 2 * kThreadsPerServer * kPerThread;
  EXPECT_EQ(stores[0]->ledger_size(), total);
  EXPECT_EQ(stores[1]->record_version("counter", "shared"), static_cast<std::int64_t>(total / 2));
  const VerifyReport report = verify_ledger(*stores[1], "test/ledger", {});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.size, total);
  std::cout << "[ info ] " << conflicts.load() << " conflicting counter moves decided again\n";
}

}  // namespace
}  // namespace mandate::ledger
