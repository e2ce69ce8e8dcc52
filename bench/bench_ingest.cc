// Ingest and analysis benchmarks, each beside a reference measured in the
// same run on the same bytes:
//   ingest/simdjson_parse    simdjson's DOM parse of every line (reference)
//   ingest/parse_cloudtrail  mandate's CloudTrail importer on the same lines
//                            (parse, normalize, redact, minify, hash)
//   ingest/import_cloudtrail the importer plus the durable SQLite insert and
//                            correlation
//   ingest/import_files/F    `mandate ingest cloudtrail` end to end: the same
//                            lines in F files on disk through import_files
//                            (read, parse on one thread while the other
//                            stores, one durable transaction); wall time, and
//                            the CPU time of the whole process
//   analyze/generate/N       building N synthetic events (reference)
//   analyze/rules/N          the same events through every rule and the
//                            attribution count
//   analyze/store/1000000    `mandate analyze` end to end: scan 1,000,000
//                            stored events and run the rules
// Peak memory of analysis is the VmHWM of a fresh child process per size.
//
//   bench_ingest [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analyze/analyzer.h"
#include "ingest/importer.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/process.h"

namespace mandate::bench {
namespace {

constexpr std::size_t kCorpusRecords = 20000;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The real CloudTrail records of ../shared/samples, repeated with a unique
// eventID so every line is a distinct record, as JSON lines.
const std::string& corpus() {
  static const std::string text = [] {
    const std::string root = std::string(MANDATE_SHARED_DIR) + "/samples/cloudtrail/";
    std::vector<nlohmann::json> records;
    for (const auto* name : {"stratus-red-team_detonation-logs/aws.credential-access.ec2-steal-instance-credentials.json",
                             "stratus-red-team_detonation-logs/aws.impact.bedrock-invoke-model.json",
                             "stratus-red-team_detonation-logs/aws.defense-evasion.organizations-leave.json"}) {
      for (auto& r : nlohmann::json::parse(slurp(root + name))) records.push_back(std::move(r));
    }
    std::istringstream otrf(slurp(root + "otrf_ec2_proxy_s3_exfiltration/ec2_proxy_s3_exfiltration_2020-09-14011940.json"));
    for (std::string line; std::getline(otrf, line);) records.push_back(nlohmann::json::parse(line));
    std::string out;
    for (std::size_t i = 0; i < kCorpusRecords; ++i) {
      auto r = records[i % records.size()];
      r["eventID"] = "bench-" + std::to_string(i);
      out += r.dump() + "\n";
    }
    return out;
  }();
  return text;
}

void bm_simdjson_parse(benchmark::State& state) {
  const ingest::SourceText text(corpus());
  simdjson::dom::parser parser;
  std::size_t records = 0;
  for (auto _ : state) {
    const std::string_view all = text.text();
    for (std::size_t pos = 0; pos < all.size();) {
      const std::size_t end = all.find('\n', pos);
      simdjson::dom::element root;
      if (parser.parse(text.data() + pos, end - pos, false).get(root) != simdjson::SUCCESS) state.SkipWithError("parse");
      benchmark::DoNotOptimize(root);
      ++records;
      pos = end + 1;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(records));
}

void bm_parse_cloudtrail(benchmark::State& state) {
  const ingest::SourceText text(corpus());
  std::size_t records = 0;
  for (auto _ : state) {
    const auto parsed = ingest::parse_source(ingest::SourceKind::cloudtrail, text, "bench");
    if (parsed.report.events != kCorpusRecords) state.SkipWithError("not every record imported");
    records += parsed.report.events;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(records));
}

void bm_import_cloudtrail(benchmark::State& state) {
  const ingest::SourceText text(corpus());
  std::size_t records = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<testing::TempDir>();
    const std::string db = (*dir / "m.db").string();
    auto base = store::create_sqlite_store(db);
    auto events = store::open_sqlite_event_store(db);
    state.ResumeTiming();
    auto parsed = ingest::parse_source(ingest::SourceKind::cloudtrail, text, "bench");
    const auto added = events->add_events(parsed.events).added;
    if (added != kCorpusRecords) state.SkipWithError("not every record stored");
    records += added;
    state.PauseTiming();
    events.reset();
    base.reset();
    dir.reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(records));
}

// The corpus split into `count` JSON-lines files, as a trail's many files.
std::vector<std::string> write_corpus_files(const testing::TempDir& dir, std::size_t count) {
  std::vector<std::string> paths;
  const std::string& all = corpus();
  const std::size_t per_file = (kCorpusRecords + count - 1) / count;
  std::size_t pos = 0;
  for (std::size_t f = 0; f < count && pos < all.size(); ++f) {
    std::size_t end = pos;
    for (std::size_t line = 0; line < per_file && end < all.size(); ++line) end = all.find('\n', end) + 1;
    paths.push_back((dir / ("trail-" + std::to_string(f) + ".json")).string());
    std::ofstream(paths.back(), std::ios::binary) << all.substr(pos, end - pos);
    pos = end;
  }
  return paths;
}

double cpu_seconds(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

void bm_import_files(benchmark::State& state) {
  const testing::TempDir input;
  const auto paths = write_corpus_files(input, static_cast<std::size_t>(state.range(0)));
  std::size_t records = 0;
  double store_cpu = 0;  // this thread: the store's inserts, links and commit
  double all_cpu = 0;    // the process: the store's thread and the parsing thread
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<testing::TempDir>();
    const std::string db = (*dir / "m.db").string();
    auto base = store::create_sqlite_store(db);
    auto events = store::open_sqlite_event_store(db);
    state.ResumeTiming();
    const double thread_start = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    const double process_start = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    const auto report = ingest::import_files(ingest::SourceKind::cloudtrail, paths, *events);
    store_cpu += cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - thread_start;
    all_cpu += cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - process_start;
    if (report.stored.added != kCorpusRecords) state.SkipWithError("not every record stored");
    records += report.stored.added;
    state.PauseTiming();
    events.reset();
    base.reset();
    dir.reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * corpus().size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(records));
  // Each thread's rate on a core of its own: on two otherwise idle cores the
  // import runs at the slower of the two (the wall time shows it when the
  // machine is not shared).
  const auto n = static_cast<double>(records);
  state.counters["store_thread_rec_per_s"] = store_cpu > 0 ? n / store_cpu : 0;
  state.counters["parse_thread_rec_per_s"] = all_cpu > store_cpu ? n / (all_cpu - store_cpu) : 0;
}

// A busy estate: 5,000 identities (a fifth of them people), four systems,
// sessions issued by people, denials, approvals. Deterministic.
core::AuditEvent synthetic(std::uint64_t i) {
  core::AuditEvent e;
  const std::uint64_t who = (i * 2654435761u) % 5000;
  e.id = "ev" + std::to_string(i);
  e.source = (who % 4 == 0) ? "k8s-audit" : "cloudtrail";
  e.account = std::to_string(who % 4);
  e.time = core::Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 10 / 1)) + std::chrono::seconds(i * 3);
  e.actor = {"identity-" + std::to_string(who), who % 5 == 0 ? core::PrincipalKind::human : core::PrincipalKind::workload, {}};
  e.credential = (who % 3 == 0 ? "AKIA" : "ASIA") + std::to_string(who);
  e.credential_kind = who % 3 == 0 ? core::CredentialKind::access_key : core::CredentialKind::session;
  e.action = "s3:GetObject";
  e.result = i % 97 == 0 ? core::EventResult::denied : core::EventResult::success;
  e.source_address = "10.0." + std::to_string(who % 7) + "." + std::to_string(i % 3);
  e.user_agent = "aws-sdk-go/1." + std::to_string(who % 2);
  if (i % 50 == 0) {
    e.category = core::EventCategory::credential_issued;
    e.issued_credential = "ASIA" + std::to_string(i);
  }
  if (i % 40 == 1) e.parent_id = "ev" + std::to_string(i - 1 - (i - 1) % 50);
  if (i % 10 == 0) e.reference = "run-" + std::to_string(i / 1000);
  if (i % 1000 == 5) {
    e.category = core::EventCategory::approval;
    e.actor.kind = core::PrincipalKind::human;
  }
  return e;
}

void bm_generate(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < n; ++i) benchmark::DoNotOptimize(synthetic(i));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

analyze::Analysis analyze_synthetic(std::uint64_t n, const analyze::AnalyzeConfig& config) {
  analyze::Analyzer analyzer(config, nullptr);
  for (std::uint64_t i = 0; i < n; ++i) analyzer.observe(synthetic(i));
  return analyzer.finish();
}

void bm_rules(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  const analyze::AnalyzeConfig config;
  std::size_t findings = 0;
  for (auto _ : state) findings = analyze_synthetic(n, config).findings.size();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["findings"] = static_cast<double>(findings);
}

struct StoreFixture {
  std::unique_ptr<testing::TempDir> dir = std::make_unique<testing::TempDir>();
  std::unique_ptr<store::Store> base;
  std::unique_ptr<store::EventStore> events;
};

StoreFixture& big_store(std::uint64_t n) {
  static StoreFixture f = [n] {
    StoreFixture s;
    const std::string db = (*s.dir / "m.db").string();
    s.base = store::create_sqlite_store(db);
    s.events = store::open_sqlite_event_store(db);
    std::vector<core::AuditEvent> batch;
    for (std::uint64_t i = 0; i < n; ++i) {
      batch.push_back(synthetic(i));
      if (batch.size() == 50000) {
        s.events->add_events(batch);
        batch.clear();
      }
    }
    s.events->add_events(batch);
    return s;
  }();
  return f;
}

void bm_analyze_store(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  auto& f = big_store(n);
  const analyze::AnalyzeConfig config;
  for (auto _ : state) {
    const auto a = analyze::analyze(*f.events, config, {});
    if (a.events != n) state.SkipWithError("wrong event count");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

std::uint64_t vm_hwm_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6));
  }
  return 0;
}

// Peak RSS of analyzing n events in a fresh process, so sizes do not mask
// each other.
std::uint64_t analysis_peak_kib(std::uint64_t n) {
  int fds[2];
  if (pipe(fds) != 0) return 0;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const auto a = analyze_synthetic(n, {});
    benchmark::DoNotOptimize(a);
    const std::uint64_t kib = vm_hwm_kib();
    if (write(fds[1], &kib, sizeof kib) != sizeof kib) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  std::uint64_t kib = 0;
  if (read(fds[0], &kib, sizeof kib) != sizeof kib) kib = 0;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return kib;
}

}  // namespace
}  // namespace mandate::bench

int main(int argc, char** argv) {
  using namespace mandate::bench;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RegisterBenchmark("ingest/simdjson_parse", bm_simdjson_parse)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("ingest/parse_cloudtrail", bm_parse_cloudtrail)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("ingest/import_cloudtrail", bm_import_cloudtrail)->Unit(benchmark::kMillisecond)->Iterations(3);
  // Wall time is what an import takes on two cores; CPU is the process's, both threads.
  benchmark::RegisterBenchmark("ingest/import_files", bm_import_files)
      ->Arg(1)
      ->Arg(20)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3)
      ->UseRealTime()
      ->MeasureProcessCPUTime();
  for (const std::int64_t n : {250000, 1000000}) {
    benchmark::RegisterBenchmark("analyze/generate", bm_generate)->Arg(n)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("analyze/rules", bm_rules)->Arg(n)->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("analyze/store", bm_analyze_store)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);
  benchmark::RunSpecifiedBenchmarks();
  // The memory probe runs analyses of its own: only when analysis was asked
  // for, so a profile of the import is the import's.
  const std::string filter = benchmark::GetBenchmarkFilter();
  if (!filter.empty() && filter.find("analyze") == std::string::npos) {
    benchmark::Shutdown();
    return 0;
  }
  std::cout << "\nanalysis peak RSS (VmHWM of a fresh process):\n";
  const std::uint64_t base = analysis_peak_kib(1000);
  for (const std::uint64_t n : {1000, 250000, 500000, 1000000}) {
    const std::uint64_t kib = analysis_peak_kib(n);
    std::cout << "  " << n << " events: " << kib << " KiB (" << (base ? static_cast<double>(kib) / static_cast<double>(base) : 0.0)
              << "x the 1,000-event process)\n";
  }
  benchmark::Shutdown();
  return 0;
}
