// The store's commits are durable when they return (invariant 4): in WAL
// mode that takes synchronous=FULL, which syncs the WAL at every commit;
// NORMAL would not. Observed through the power-loss VFS, which counts syncs
// per file, so the test pins the behaviour, not the pragma's spelling.
#include <gtest/gtest.h>

#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "support/power_loss_vfs.h"
#include "support/process.h"

namespace mandate::store {
namespace {

using mandate::testing::PowerLossVfs;
using mandate::testing::TempDir;

LedgerRow row(std::uint64_t index) {
  LedgerRow r;
  r.index = index;
  r.type = "t";
  r.body = "entry " + std::to_string(index);
  r.leaf_hash.fill(static_cast<std::uint8_t>(index));
  return r;
}

TEST(SqliteDurability, EveryCommitSyncsTheWal) {
  PowerLossVfs vfs;
  TempDir tmp;
  for (const bool reopened : {false, true}) {
    SCOPED_TRACE(reopened ? "opened store" : "created store");
    const std::string path = (tmp / "m.db").string();
    auto store = reopened ? open_sqlite_store(path) : create_sqlite_store(path);
    const std::uint64_t first = store->ledger_size();
    // A commit may sync more than once (a new WAL's header is synced
    // before its first frame), never less.
    std::uint64_t last = vfs.syncs("-wal");
    const auto synced = [&] {
      const std::uint64_t now = vfs.syncs("-wal");
      const bool more = now > last;
      last = now;
      return more;
    };
    for (std::uint64_t i = first; i < first + 20; ++i) {
      store->append_ledger_rows(std::vector<LedgerRow>{row(i)});
      EXPECT_TRUE(synced()) << "appending row " << i << " returned before the WAL was synced";
    }
    store->set_meta("k", "v");
    EXPECT_TRUE(synced()) << "set_meta returned before the WAL was synced";
  }
}

TEST(SqliteDurability, ACommittedRowSurvivesAPowerFailure) {
  PowerLossVfs vfs;
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  {
    auto store = create_sqlite_store(path);
    store->append_ledger_rows(std::vector<LedgerRow>{row(0), row(1)});
    vfs.fail_power_at(1);  // the very next write
    EXPECT_ANY_THROW(store->append_ledger_rows(std::vector<LedgerRow>{row(2)}));
  }
  ASSERT_TRUE(vfs.power_failed());
  vfs.restart();
  auto store = open_sqlite_store(path);
  EXPECT_EQ(store->ledger_size(), 2u);
  EXPECT_EQ(store->ledger_row(1)->body, "entry 1");
}

}  // namespace
}  // namespace mandate::store
