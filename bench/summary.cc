#include "summary.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace mandate::bench {
namespace {

double counter(const benchmark::BenchmarkReporter::Run& run, const char* name) {
  const auto it = run.counters.find(name);
  return it == run.counters.end() ? 0.0 : it->second.value;
}

// Column widths count characters, not bytes, so multi-byte UTF-8 (µ, ≥, ÷)
// in a cell still lines up.
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

std::string pad(const std::string& text, std::size_t width) {
  const std::size_t chars = display_width(text);
  return text + std::string(width > chars ? width - chars : 0, ' ');
}

}  // namespace

double Measurement::counter(const std::string& name) const {
  const auto it = counters.find(name);
  return it == counters.end() ? 0.0 : it->second;
}

void Collector::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
    Measurement m;
    m.items_per_second = counter(run, "items_per_second");
    m.bytes_per_second = counter(run, "bytes_per_second");
    m.seconds_per_iteration = run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
    m.cpu_seconds_per_iteration = run.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
    for (const auto& [name, c] : run.counters) m.counters[name] = c.value;
    results_.push_back({run.run_name.function_name, run.threads, m});
  }
  ConsoleReporter::ReportRuns(runs);
}

std::optional<Measurement> Collector::find(const std::string& name, std::int64_t threads) const {
  for (auto it = results_.rbegin(); it != results_.rend(); ++it) {
    if (it->name == name && it->threads == threads) return it->measurement;
  }
  return std::nullopt;
}

void print_summary(const std::vector<SummaryRow>& rows) {
  const SummaryRow header{"measurement", "value", "reference (same run)", "ratio", "target"};
  std::array<std::size_t, 5> width{};
  auto widen = [&](const SummaryRow& r) {
    const std::array<const std::string*, 5> cells{&r.measurement, &r.value, &r.reference, &r.ratio, &r.target};
    for (std::size_t i = 0; i < cells.size(); ++i) width[i] = std::max(width[i], display_width(*cells[i]));
  };
  widen(header);
  for (const SummaryRow& r : rows) widen(r);
  auto print = [&](const SummaryRow& r) {
    std::cout << "| " << pad(r.measurement, width[0]) << " | " << pad(r.value, width[1]) << " | "
              << pad(r.reference, width[2]) << " | " << pad(r.ratio, width[3]) << " | " << pad(r.target, width[4])
              << " |\n";
  };
  std::cout << "\nSummary\n";
  print(header);
  print({std::string(width[0], '-'), std::string(width[1], '-'), std::string(width[2], '-'), std::string(width[3], '-'),
         std::string(width[4], '-')});
  for (const SummaryRow& r : rows) print(r);
  std::cout.flush();
}

std::string format_count(double value) {
  const auto n = static_cast<long long>(std::llround(value));
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out = n < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_fixed(double value, int decimals) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.*f", decimals, value);
  return buf.data();
}

std::string format_bytes_rate(double bytes_per_second) {
  return format_fixed(bytes_per_second / (1024.0 * 1024.0), 1) + " MiB/s";
}

std::string format_micros(double seconds) { return format_fixed(seconds * 1e6, 1) + " µs"; }

std::string format_nanos(double seconds) { return format_fixed(seconds * 1e9, 0) + " ns"; }

}  // namespace mandate::bench
