// The ledger over PostgreSQL, written by several servers at once: each
// server's Ledger keeps its own frontier, which another server's appends
// make stale; the append reads it again inside its transaction, so the
// servers build one tree, never a fork, and lost updates cannot happen.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
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

}  // namespace
}  // namespace mandate::ledger
