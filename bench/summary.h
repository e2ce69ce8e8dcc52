#pragma once
// Collects Google Benchmark results as they are reported, so the run can
// end with one table of figures, each set against a reference measured in
// the same run.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mandate::bench {

struct Measurement {
  double items_per_second = 0;
  double bytes_per_second = 0;
  double seconds_per_iteration = 0;        // wall clock
  double cpu_seconds_per_iteration = 0;    // this process's CPU time
  std::map<std::string, double> counters;  // user counters, as reported
  double counter(const std::string& name) const;
};

struct Result {
  std::string name;  // as registered, without gbench's /min_time... suffixes
  std::int64_t threads = 1;
  Measurement measurement;
};

// Prints like the console reporter (without colour: output often goes to a
// file) and remembers every run in the order it ran, so a measurement can
// be paired with the reference runs on either side of it.
class Collector final : public benchmark::ConsoleReporter {
 public:
  Collector() : benchmark::ConsoleReporter(OO_None) {}
  void ReportRuns(const std::vector<Run>& runs) override;
  // The last run of `name` with `threads`.
  std::optional<Measurement> find(const std::string& name, std::int64_t threads = 1) const;
  const std::vector<Result>& results() const { return results_; }

 private:
  std::vector<Result> results_;
};

struct SummaryRow {
  std::string measurement, value, reference, ratio, target;
};

void print_summary(const std::vector<SummaryRow>& rows);

// Number formatting for the table.
std::string format_count(double value);                  // 52,310
std::string format_bytes_rate(double bytes_per_second);  // 181.2 MiB/s
std::string format_micros(double seconds);               // 34.5 µs
std::string format_nanos(double seconds);                // 383 ns
std::string format_fixed(double value, int decimals);

}  // namespace mandate::bench
