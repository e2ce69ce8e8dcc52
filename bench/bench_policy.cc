// Cedar policy benchmarks: decision latency (p50/p99) for 100 policies over
// a 10,000-entity organisation, decision cost as the policy set grows from
// 10 to 10,000 (indexed against a full scan of the same set), and loading
// 10,000 policies -- each side by side with the reference engine,
// @cedar-policy/cedar-wasm, run by Node in the same run on the same files.
// Both engines' decisions are compared first, on every request cedar-wasm
// is given (all 1,000 per size; the first 100 at 10,000 policies, where it
// scans every policy): a speed-up over an engine that answers differently
// would mean nothing.
//
//   bench_policy [--benchmark_filter=...]   then a summary table
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cedar_reference.h"
#include "policy/authorizer.h"
#include "policy/parser.h"
#include "policy_workload.h"
#include "summary.h"
#include "support/process.h"

namespace mandate::bench {
namespace {

constexpr std::uint64_t kEntitySeed = 20261128;
constexpr std::uint64_t kPolicySeed = 7;
constexpr std::array<std::size_t, 4> kSizes{10, 100, 1'000, 10'000};
constexpr std::size_t kMainSize = 100;       // the size the latency targets are about
constexpr std::size_t kRequests = 1'000;     // per size
constexpr int kLatencyRounds = 5;             // each request timed this often, after one untimed pass
constexpr int kReferenceBudgetMs = 10'000;    // cedar-wasm timing per size, at least one pass
constexpr std::size_t kFullEntityCalls = 20;  // cedar-wasm with all entities per call is slow
constexpr std::size_t kLargeSetReferenceRequests = 100;  // cedar-wasm at 10,000 policies is slow
constexpr double kP50Target = 5e-6;
constexpr double kLoadTarget = 0.1;
constexpr double kSpeedupTarget = 10;

policy::PolicySet parse_or_throw(const std::string& text) {
  auto parsed = policy::parse_policies(text);
  if (!parsed) throw std::runtime_error("workload policies do not parse: " + parsed.error().to_string());
  return std::move(*parsed);
}

// One policy-set size: its text, a prepared authorizer, a second copy for
// the full scan, and its requests.
struct SizeFixture {
  SizeFixture(const PolicyWorkload& workload, std::size_t n, const policy::Entities& entities)
      : count(n),
        text(workload.policies(n, kPolicySeed)),
        authorizer(parse_or_throw(text)),
        scan_set(parse_or_throw(text)),
        requests(workload.requests(n, kPolicySeed, kRequests, entities)) {}

  std::size_t count;
  std::string text;
  policy::Authorizer authorizer;
  policy::PolicySet scan_set;
  std::vector<WorkloadRequest> requests;
};

struct Fixture {
  Fixture() : workload(kEntitySeed) {
    auto loaded = policy::parse_entities(workload.entities_json());
    if (!loaded) throw std::runtime_error("workload entities do not load: " + loaded.error());
    entities = std::move(*loaded);
    for (std::size_t n : kSizes) sizes.push_back(std::make_unique<SizeFixture>(workload, n, entities));
  }

  void write_files() const {
    testing::write_file(dir / "entities.json", workload.entities_json());
    for (const auto& s : sizes) {
      testing::write_file(dir / ("policies-" + std::to_string(s->count) + ".cedar"), s->text);
      std::string json = "[";
      for (const auto& r : s->requests) json += (json.size() > 1 ? ",\n" : "") + r.json;
      testing::write_file(dir / ("requests-" + std::to_string(s->count) + ".json"), json + "]");
    }
  }

  const SizeFixture& size(std::size_t n) const {
    for (const auto& s : sizes) {
      if (s->count == n) return *s;
    }
    throw std::logic_error("no such size");
  }

  testing::TempDir dir;
  PolicyWorkload workload;
  policy::Entities entities;
  std::vector<std::unique_ptr<SizeFixture>> sizes;
};

// ------------------------------------------------------------ decisions

// Mean number of policies a decision evaluates: the index's candidates.
double mean_candidates(const SizeFixture& s, const policy::Entities& entities) {
  std::vector<policy::PolicyPosition> out;
  std::size_t total = 0;
  for (const auto& r : s.requests) {
    s.authorizer.index().candidates(r.request.principal, r.request.action, r.request.resource, entities, out);
    total += out.size();
  }
  return static_cast<double>(total) / static_cast<double>(s.requests.size());
}

void bm_decision(benchmark::State& state, const SizeFixture& s, const policy::Entities& entities, bool indexed) {
  state.counters["evaluated"] = indexed ? mean_candidates(s, entities) : static_cast<double>(s.count);
  std::size_t i = 0;
  for (auto _ : state) {
    const policy::Request& r = s.requests[i++ % s.requests.size()].request;
    benchmark::DoNotOptimize(indexed ? s.authorizer.authorize(r, entities)
                                     : policy::authorize_by_scan(s.scan_set, r, entities));
  }
  state.SetItemsProcessed(state.iterations());
}

double percentile(std::vector<double> samples, double q) {
  if (samples.empty()) return 0;
  const auto at = std::min(samples.size() - 1, static_cast<std::size_t>(q * static_cast<double>(samples.size())));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(at), samples.end());
  return samples[at];
}

// Each decision timed on its own (steady_clock, about 20 ns of its own per
// reading), so the distribution and not only the mean is known.
void bm_latency(benchmark::State& state, const SizeFixture& s, const policy::Entities& entities) {
  // One untimed pass first: a decision point answers request after request,
  // and the first touch of each entity and policy (page faults, cold caches)
  // is the process starting, not a decision's latency.
  for (const WorkloadRequest& r : s.requests) benchmark::DoNotOptimize(s.authorizer.authorize(r.request, entities));
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(state.max_iterations));
  std::size_t i = 0;
  for (auto _ : state) {
    const policy::Request& r = s.requests[i++ % s.requests.size()].request;
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(s.authorizer.authorize(r, entities));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(took.count());
    samples.push_back(took.count());
  }
  state.counters["p50_us"] = percentile(samples, 0.5) * 1e6;
  state.counters["p99_us"] = percentile(samples, 0.99) * 1e6;
}

// ---------------------------------------------------------------- loading

// Warmed by one untimed load: what a running decision point pays to reload
// its policy set. (A cold first load in a fresh process also pays for page
// faults on fresh memory; on this machine that was up to ~200 ms CPU.)
void bm_load_policies(benchmark::State& state, const SizeFixture& s, bool index) {
  { const policy::Authorizer warm_up(parse_or_throw(s.text)); }
  for (auto _ : state) {
    if (index) {
      policy::Authorizer authorizer(parse_or_throw(s.text));
      benchmark::DoNotOptimize(authorizer);
    } else {
      benchmark::DoNotOptimize(parse_or_throw(s.text));
    }
  }
}

void bm_load_entities(benchmark::State& state, const PolicyWorkload& workload) {
  for (auto _ : state) benchmark::DoNotOptimize(policy::parse_entities(workload.entities_json()));
}

// -------------------------------------------------------- registration

template <typename Body>
auto guarded(Body body) {
  return [body](benchmark::State& state) {
    try {
      body(state);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
    }
  };
}

std::string decision_name(const char* kind, std::size_t n) {
  return std::string("decision/") + kind + "/policies:" + std::to_string(n);
}

void register_benchmarks(const Fixture& f) {
  for (const auto& s : f.sizes) {
    const SizeFixture* size = s.get();
    const policy::Entities* entities = &f.entities;
    benchmark::RegisterBenchmark(decision_name("indexed", size->count).c_str(),
                                 guarded([=](auto& st) { bm_decision(st, *size, *entities, true); }))
        ->UseRealTime()
        ->MinTime(0.5)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(decision_name("latency", size->count).c_str(),
                                 guarded([=](auto& st) { bm_latency(st, *size, *entities); }))
        ->UseManualTime()
        ->Iterations(static_cast<benchmark::IterationCount>(kRequests * kLatencyRounds))
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(decision_name("scan", size->count).c_str(),
                                 guarded([=](auto& st) { bm_decision(st, *size, *entities, false); }))
        ->UseRealTime()
        ->MinTime(0.5)
        ->Unit(benchmark::kMicrosecond);
  }
  const SizeFixture* largest = &f.size(kSizes.back());
  benchmark::RegisterBenchmark("load/parse_and_index/policies:10000",
                               guarded([=](auto& st) { bm_load_policies(st, *largest, true); }))
      ->UseRealTime()
      ->Iterations(10)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("load/parse_only/policies:10000",
                               guarded([=](auto& st) { bm_load_policies(st, *largest, false); }))
      ->UseRealTime()
      ->Iterations(10)
      ->Unit(benchmark::kMillisecond);
  const PolicyWorkload* workload = &f.workload;
  benchmark::RegisterBenchmark("load/entities:10000", guarded([=](auto& st) { bm_load_entities(st, *workload); }))
      ->UseRealTime()
      ->MinTime(1.0)
      ->Unit(benchmark::kMillisecond);
}

// --------------------------------------------------------- agreement

std::vector<policy::Response> decide_all(const SizeFixture& s, const policy::Entities& entities) {
  std::vector<policy::Response> out;
  out.reserve(s.requests.size());
  for (const auto& r : s.requests) out.push_back(s.authorizer.authorize(r.request, entities));
  return out;
}

// Prints the decision mix of every size and any disagreement with the
// reference; returns the number of requests compared and of mismatches.
std::pair<std::size_t, std::size_t> check_agreement(const Fixture& f, const std::optional<ReferenceRun>& ref) {
  std::size_t compared = 0, mismatched = 0;
  for (const auto& s : f.sizes) {
    const auto responses = decide_all(*s, f.entities);
    std::size_t allow = 0, errored = 0;
    for (const auto& r : responses) {
      allow += r.decision == policy::Decision::Allow;
      errored += !r.errors.empty();
    }
    std::cout << s->count << " policies: " << allow << " allow, " << responses.size() - allow << " deny, " << errored
              << " with erroring policies\n";
    const ReferenceSet* theirs = ref ? ref->find(s->count) : nullptr;
    if (theirs == nullptr) continue;
    const auto mismatches = compare_decisions(responses, *theirs);
    for (std::size_t i = 0; i < mismatches.size() && i < 10; ++i) std::cout << "  MISMATCH " << mismatches[i] << '\n';
    compared += theirs->decisions.size();
    mismatched += mismatches.size();
  }
  return {compared, mismatched};
}

// ------------------------------------------------------------- summary

std::string verdict(bool met) { return met ? " (met)" : " (missed)"; }
std::string times(double ratio) { return format_fixed(ratio, ratio < 10 ? 1 : 0) + "×"; }

void latency_rows(const Collector& c, const ReferenceSet* ref, std::vector<SummaryRow>& rows) {
  const auto m = c.find(decision_name("latency", kMainSize));
  if (!m) return;
  const double p50 = m->counter("p50_us") * 1e-6, p99 = m->counter("p99_us") * 1e-6;
  const std::string what = ", " + std::to_string(kMainSize) + " policies, 10,000 entities";
  rows.push_back({"decision p50" + what, format_micros(p50), ref ? "cedar-wasm " + format_micros(ref->slice.p50_s) : "-",
                  ref ? times(ref->slice.p50_s / p50) + " faster" : "-", "< 5 µs" + verdict(p50 < kP50Target)});
  rows.push_back({"decision p99" + what, format_micros(p99), ref ? "cedar-wasm " + format_micros(ref->slice.p99_s) : "-",
                  ref ? times(ref->slice.p99_s / p99) + " faster" : "-", "-"});
}

// Wall and CPU time: on a shared machine the wall clock also counts time
// spent waiting for a CPU, so both ratios are given.
void size_rows(const Collector& c, const std::optional<ReferenceRun>& ref, std::vector<SummaryRow>& rows) {
  for (std::size_t n : kSizes) {
    const auto indexed = c.find(decision_name("indexed", n));
    const auto scan = c.find(decision_name("scan", n));
    if (!indexed) continue;
    const double t = indexed->seconds_per_iteration, cpu = indexed->cpu_seconds_per_iteration;
    const ReferenceSet* theirs = ref ? ref->find(n) : nullptr;
    std::string reference = scan ? "full scan " + format_micros(scan->seconds_per_iteration) : "";
    std::string ratio = scan ? "scan " + times(scan->seconds_per_iteration / t) : "";
    if (theirs != nullptr) {
      reference += "; cedar-wasm " + format_micros(theirs->slice.mean_s) + " (CPU " +
                   format_micros(theirs->slice.cpu_mean_s) + ")";
      ratio += "; cedar-wasm " + times(theirs->slice.mean_s / t) + " (CPU " +
               times(theirs->slice.cpu_mean_s / cpu) + ")";
    }
    const bool targeted = theirs != nullptr && n == kMainSize;
    const double worst = theirs != nullptr ? std::min(theirs->slice.mean_s / t, theirs->slice.cpu_mean_s / cpu) : 0;
    const std::string evaluated = format_fixed(indexed->counter("evaluated"), 1) + " evaluated";
    rows.push_back({"decision mean, " + format_count(static_cast<double>(n)) + " policies (" + evaluated + ")",
                    format_micros(t) + " (CPU " + format_micros(cpu) + ")", reference, ratio,
                    targeted ? "≥ 10× cedar-wasm" + verdict(worst >= kSpeedupTarget) : "flat-ish"});
  }
}

void load_rows(const Collector& c, const std::optional<ReferenceRun>& ref, std::vector<SummaryRow>& rows) {
  const auto load = c.find("load/parse_and_index/policies:10000");
  const ReferenceSet* theirs = ref ? ref->find(kSizes.back()) : nullptr;
  if (load) {
    const double t = load->seconds_per_iteration;
    rows.push_back({"load 10,000 policies (parse + index)",
                    format_fixed(t * 1e3, 1) + " ms (CPU " + format_fixed(load->cpu_seconds_per_iteration * 1e3, 1) + " ms)",
                    theirs ? "cedar-wasm preparsePolicySet " + format_fixed(theirs->load_s * 1e3, 1) + " ms (one run)"
                           : "-",
                    theirs ? times(theirs->load_s / t) + " faster" : "-", "< 100 ms" + verdict(t < kLoadTarget)});
  }
  if (const auto parse = c.find("load/parse_only/policies:10000")) {
    rows.push_back({"  breakdown: parse only", format_fixed(parse->seconds_per_iteration * 1e3, 1) + " ms", "-", "-",
                    "(breakdown)"});
  }
  if (const auto entities = c.find("load/entities:10000")) {
    rows.push_back({"load 10,000 entities (JSON, ancestors closed)",
                    format_fixed(entities->seconds_per_iteration * 1e3, 1) + " ms", "-", "-", "(once per store)"});
  }
  if (ref && ref->full_entities) {
    const auto indexed = c.find(decision_name("indexed", ref->full_entities_policies));
    rows.push_back({"cedar-wasm, all 10,000 entities passed per request", format_micros(ref->full_entities->mean_s),
                    indexed ? "mandate " + format_micros(indexed->seconds_per_iteration) : "-",
                    indexed ? times(ref->full_entities->mean_s / indexed->seconds_per_iteration) + " faster" : "-",
                    "(its API takes entities per call)"});
  }
}

int run_suite() {
  std::cerr << "generating the workload\n";
  const Fixture fixture;
  fixture.write_files();
  std::cerr << "running cedar-wasm on " << fixture.dir.path() << '\n';
  const auto reference =
      run_cedar_wasm({.dir = fixture.dir.path(),
                      .sizes = {kSizes.begin(), kSizes.end()},
                      .rounds = kLatencyRounds,
                      .budget_ms = kReferenceBudgetMs,
                      .large_set_requests = kLargeSetReferenceRequests,
                      .full_size = kMainSize,
                      .full_requests = kFullEntityCalls});
  const auto [compared, mismatched] = check_agreement(fixture, reference);
  if (reference) {
    std::cout << "cedar-wasm " << reference->cedar_version << ": " << compared - mismatched << " of " << compared
              << " decisions equal (decision, reasons, erroring policies)\n";
  }
  register_benchmarks(fixture);
  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);

  const ReferenceSet* main_ref = reference ? reference->find(kMainSize) : nullptr;
  std::vector<SummaryRow> rows;
  latency_rows(collector, main_ref, rows);
  size_rows(collector, reference, rows);
  load_rows(collector, reference, rows);
  if (reference) {
    rows.push_back({"same decisions as cedar-wasm", format_count(static_cast<double>(compared - mismatched)) + " of " +
                                                        format_count(static_cast<double>(compared)),
                    "cedar-wasm " + reference->cedar_version, "-", "all" + verdict(mismatched == 0)});
  }
  print_summary(rows);
  std::cout << "\ncedar-wasm: preparsePolicySet once, then statefulIsAuthorized per request with the request's "
               "entities and their ancestors (built before timing); times from process.hrtime per call. Node flags:";
  if (reference) {
    for (const auto& set : reference->sets) std::cout << ' ' << set.policies << " policies " << set.node_flags << ';';
  }
  std::cout << '\n';
  return mismatched == 0 ? 0 : 1;
}

}  // namespace
}  // namespace mandate::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  int rc = 1;
  try {
    rc = mandate::bench::run_suite();
  } catch (const std::exception& e) {
    std::cerr << "bench_policy: " << e.what() << '\n';
  }
  benchmark::Shutdown();
  return rc;
}
