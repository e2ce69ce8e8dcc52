#pragma once
// What became of webhook deliveries, per endpoint, as Prometheus text for
// the server's /metrics: mandate_webhook_deliveries_total{endpoint,outcome}
// and the deliveries waiting, mandate_webhook_queue{endpoint}. Thread-safe.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace mandate::notify {

enum class Outcome {
  delivered,  // answered 2xx
  retrying,   // an attempt failed; another follows
  failed,     // the last attempt failed: given up
  gone,       // answered 410: the endpoint is disabled until the server restarts
  dropped,    // never sent: the queue was full (the oldest goes), or the endpoint was disabled
};
std::string_view to_string(Outcome outcome);

class DeliveryMetrics {
 public:
  // Every outcome of `endpoint` at 0, so the series exist before anything happens.
  void add_endpoint(const std::string& endpoint);
  void count(const std::string& endpoint, Outcome outcome);
  void set_queued(const std::string& endpoint, std::size_t waiting);
  std::uint64_t value(const std::string& endpoint, Outcome outcome) const;
  // Endpoint names are checked when configured: no quote, backslash or
  // newline, so they go into label values as they are.
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, Outcome>, std::uint64_t> counts_;
  std::map<std::string, std::size_t> queued_;
};

}  // namespace mandate::notify
