#include "server/internal/metrics.h"

#include <cmath>
#include <charconv>
#include <sstream>

namespace mandate::server {

namespace {
// Label values escape backslash, double quote and newline.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}
// A sample value as Prometheus reads it, without losing digits: a count
// of 2,243,563 is not 2.24356e+06 (what a stream prints by default).
std::string sample(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::trunc(value) && std::fabs(value) < 9.007199254740992e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char text[64];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;  // the shortest form that reads back the same
  return std::string(text, end);
}

}  // namespace

void Metrics::observe_request(const std::string& method, const std::string& route, int status,
                              std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mu_);
  ++requests_[{method, route, status}];
  auto& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::observe_decision(bool allow) {
  std::lock_guard lock(mu_);
  ++(allow ? allowed_ : denied_);
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_[std::move(name)] = {std::move(help), std::move(read)};
}

void Metrics::add_exposition(std::function<std::string()> render) {
  std::lock_guard lock(mu_);
  expositions_.push_back(std::move(render));
}

std::string Metrics::render() const {
  std::ostringstream out;
  std::lock_guard lock(mu_);
  out << "# HELP mandate_http_requests_total HTTP requests answered, by method, route and status.\n"
      << "# TYPE mandate_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out << "mandate_http_requests_total{method=\"" << label(method) << "\",route=\"" << label(route)
        << "\",status=\"" << status << "\"} " << n << "\n";
  }
  out << "# HELP mandate_http_request_duration_seconds Time from a request's first byte to its answer.\n"
      << "# TYPE mandate_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out << "mandate_http_request_duration_seconds_bucket{route=\"" << label(route) << "\",le=\"" << kBuckets[i]
          << "\"} " << h.buckets[i] << "\n";
    }
    out << "mandate_http_request_duration_seconds_bucket{route=\"" << label(route) << "\",le=\"+Inf\"} " << h.count
        << "\n"
        << "mandate_http_request_duration_seconds_sum{route=\"" << label(route) << "\"} " << h.sum << "\n"
        << "mandate_http_request_duration_seconds_count{route=\"" << label(route) << "\"} " << h.count << "\n";
  }
  out << "# HELP mandate_decisions_total Recorded decisions, by result.\n"
      << "# TYPE mandate_decisions_total counter\n"
      << "mandate_decisions_total{result=\"allow\"} " << allowed_ << "\n"
      << "mandate_decisions_total{result=\"deny\"} " << denied_ << "\n";
  for (const auto& [name, gauge] : gauges_) {
    out << "# HELP " << name << " " << gauge.help << "\n# TYPE " << name << " gauge\n"
        << name << " " << sample(gauge.read()) << "\n";
  }
  for (const auto& render : expositions_) out << render();
  return out.str();
}

std::string render_store_health(const store::StoreHealth& h) {
  std::ostringstream out;
  const std::string backend = "backend=\"" + label(h.backend) + "\"";
  out << "# HELP mandate_store_reachable Whether the store answered a probe (1) or not (0).\n"
      << "# TYPE mandate_store_reachable gauge\n"
      << "mandate_store_reachable{" << backend << "} " << (h.reachable ? 1 : 0) << "\n"
      << "# HELP mandate_store_connections Database connections of this process, by state.\n"
      << "# TYPE mandate_store_connections gauge\n"
      << "mandate_store_connections{" << backend << ",state=\"open\"} " << h.connections_open << "\n"
      << "mandate_store_connections{" << backend << ",state=\"in_use\"} " << h.connections_in_use << "\n"
      << "mandate_store_connections{" << backend << ",state=\"max\"} " << h.connections_max << "\n"
      << "# HELP mandate_store_connection_waits_total Times a caller found every connection busy.\n"
      << "# TYPE mandate_store_connection_waits_total counter\n"
      << "mandate_store_connection_waits_total{" << backend << "} " << h.connection_waits << "\n"
      << "# HELP mandate_store_commit_seconds Time of each append transaction, lock to durable commit.\n"
      << "# TYPE mandate_store_commit_seconds histogram\n";
  for (const auto& [bound, count] : h.commit_buckets) {
    out << "mandate_store_commit_seconds_bucket{" << backend << ",le=\"" << bound << "\"} " << count << "\n";
  }
  out << "mandate_store_commit_seconds_bucket{" << backend << ",le=\"+Inf\"} " << h.commits << "\n"
      << "mandate_store_commit_seconds_sum{" << backend << "} " << h.commit_seconds << "\n"
      << "mandate_store_commit_seconds_count{" << backend << "} " << h.commits << "\n";
  if (h.log_copies) {
    out << "# HELP mandate_store_log_copies_total Copies of the write-ahead log back into the database file, made "
           "beside the commits, by outcome (after a failed one the log stays longer until a later copy succeeds).\n"
        << "# TYPE mandate_store_log_copies_total counter\n"
        << "mandate_store_log_copies_total{" << backend << ",outcome=\"done\"} " << h.log_copies->done << "\n"
        << "mandate_store_log_copies_total{" << backend << ",outcome=\"failed\"} " << h.log_copies->failed << "\n";
  }
  return out.str();
}

}  // namespace mandate::server
