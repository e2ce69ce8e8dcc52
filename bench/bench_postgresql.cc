// The PostgreSQL store beside the embedded SQLite one, in the same run, on a
// throwaway cluster this program starts on loopback (scripts/postgres.sh,
// fsync and synchronous_commit on) and stops at the end:
//   - durable ledger appends from 1, 8 and 64 threads, each window beside
//     the disk's raw fdatasync rate (as bench_ledger does for SQLite);
//   - a point read of one state record: a decision's revocation check makes
//     three (its mandate, its task, its executor), read afresh from the
//     database every time so that a revocation through any server counts at
//     once — this is what that costs per read.
//
//   bench_postgresql [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "append_bench.h"
#include "ledger/ledger.h"
#include "store/postgresql/postgresql_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support.h"
#include "support/postgres.h"
#include "support/process.h"

namespace mandate::bench {
namespace {

using mandate::testing::PostgresCluster;
using mandate::testing::TempDir;
using mandate::testing::TestDatabase;

struct PostgresWorld {
  TempDir dir;
  PostgresCluster cluster = PostgresCluster::start_private();
  TestDatabase database = TestDatabase::create(cluster);
  std::unique_ptr<store::Store> store;
  std::unique_ptr<ledger::Ledger> ledger;
  std::vector<ledger::EncodedEntry> pool = sample_pool(64);

  PostgresWorld() {
    store::ConnectionSettings settings;
    settings.url = database.url();
    settings.pool_size = 16;
    store = store::create_postgresql_store(settings);
    ledger = std::make_unique<ledger::Ledger>(*store, kOrigin);
  }
};

// One state record of the size a mandate's is, and reads of it.
void put_record(store::Store& s) {
  s.append_ledger_rows(std::vector<store::LedgerRow>{},
                       std::vector<store::RecordPut>{{"mandate", "m-1", "task-1", std::string(600, 'm'), store::kAbsent}});
}

void bm_record_read(benchmark::State& state, store::Store& s) {
  for (auto _ : state) benchmark::DoNotOptimize(s.record("mandate", "m-1"));
  state.SetItemsProcessed(state.iterations());
}

}  // namespace
}  // namespace mandate::bench

int main(int argc, char** argv) {
  using namespace mandate::bench;
  benchmark::Initialize(&argc, argv);
  PostgresWorld pg;
  TempDir sqlite_dir;
  auto sqlite = mandate::store::create_sqlite_store((sqlite_dir / "m.db").string());
  put_record(*pg.store);
  put_record(*sqlite);
  for (const int threads : {1, 8, 64}) {
    const AppendSetup setup{*pg.ledger, pg.pool, pg.dir.path(), threads, false};
    benchmark::RegisterBenchmark(("postgresql/append/threads:" + std::to_string(threads)).c_str(),
                                 [setup](benchmark::State& s) { bm_append_vs_fsync(s, setup); })
        ->Iterations(kAppendCycles)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("record_read/sqlite", [&](benchmark::State& s) { bm_record_read(s, *sqlite); })
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("record_read/postgresql", [&](benchmark::State& s) { bm_record_read(s, *pg.store); })
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
