#include "notify/delivery_metrics.h"

#include <sstream>

namespace mandate::notify {

namespace {

constexpr Outcome kOutcomes[] = {Outcome::delivered, Outcome::retrying, Outcome::failed, Outcome::gone, Outcome::dropped};

void family(std::ostream& out, std::string_view name, std::string_view type, std::string_view help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::delivered: return "delivered";
    case Outcome::retrying: return "retrying";
    case Outcome::failed: return "failed";
    case Outcome::gone: return "gone";
    case Outcome::dropped: return "dropped";
  }
  return "";
}

void DeliveryMetrics::add_endpoint(const std::string& endpoint) {
  std::lock_guard lock(mu_);
  for (const Outcome o : kOutcomes) counts_.try_emplace({endpoint, o}, 0);
  queued_.try_emplace(endpoint, 0);
}

void DeliveryMetrics::count(const std::string& endpoint, Outcome outcome) {
  std::lock_guard lock(mu_);
  ++counts_[{endpoint, outcome}];
}

void DeliveryMetrics::set_queued(const std::string& endpoint, std::size_t waiting) {
  std::lock_guard lock(mu_);
  queued_[endpoint] = waiting;
}

std::uint64_t DeliveryMetrics::value(const std::string& endpoint, Outcome outcome) const {
  std::lock_guard lock(mu_);
  const auto it = counts_.find({endpoint, outcome});
  return it == counts_.end() ? 0 : it->second;
}

std::string DeliveryMetrics::render() const {
  std::ostringstream out;
  std::lock_guard lock(mu_);
  family(out, "mandate_webhook_deliveries_total", "counter",
         "Webhook delivery attempts and their fate, by endpoint and outcome.");
  for (const auto& [key, n] : counts_) {
    const auto& [endpoint, outcome] = key;
    out << "mandate_webhook_deliveries_total{endpoint=\"" << endpoint << "\",outcome=\"" << to_string(outcome) << "\"} " << n
        << '\n';
  }
  family(out, "mandate_webhook_queue", "gauge", "Webhook deliveries waiting to be sent or retried, by endpoint.");
  for (const auto& [endpoint, n] : queued_) out << "mandate_webhook_queue{endpoint=\"" << endpoint << "\"} " << n << '\n';
  return out.str();
}

}  // namespace mandate::notify
