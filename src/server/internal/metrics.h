#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// Prometheus text exposition (format 0.0.4) of what the server does:
// requests by route and status, request latency by route, decisions by
// result, and the ledger's size, read when scraped.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace mandate::server {

class Metrics {
 public:
  void observe_request(const std::string& method, const std::string& route, int status,
                       std::chrono::nanoseconds latency);
  void observe_decision(bool allow);
  // Gauges whose values are read at scrape time (ledger size, ...).
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  // Whole metric families another module renders (the webhook notifier's
  // counters), appended to the exposition as they come.
  void add_exposition(std::function<std::string()> render);
  std::string render() const;

  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Gauge {
    std::string help;
    std::function<double()> read;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::uint64_t allowed_ = 0;
  std::uint64_t denied_ = 0;
  std::map<std::string, Gauge> gauges_;
  std::vector<std::function<std::string()>> expositions_;
};

// The store's family: reachable, connections by state, waits for one, and
// the append transactions' latency as a histogram.
std::string render_store_health(const store::StoreHealth& health);

}  // namespace mandate::server
