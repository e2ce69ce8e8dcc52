#pragma once
// Private to the notify module: the build defines MANDATE_INSIDE_NOTIFY only for src/notify/ and tests/notify/.
#ifndef MANDATE_INSIDE_NOTIFY
#error "this header is internal to the notify module; include a public notify/ header instead"
#endif
// One webhook endpoint: a bounded queue of deliveries in memory and the
// thread that sends them, one at a time, signed, and retries failures on
// the endpoint's schedule. 2xx is delivered; 410 disables the endpoint
// until the server restarts; anything else (no answer, 3xx, 4xx, 5xx) is
// tried again until max_attempts. Every outcome is counted and logged as
// one JSON line naming the endpoint, the event and the attempt: never the
// URL, the secret or the event's data.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "notify/delivery_metrics.h"
#include "notify/internal/events.h"
#include "notify/internal/sender.h"
#include "notify/webhooks.h"

namespace mandate::notify {

using LogLine = std::function<void(const std::string&)>;

// A delivery not yet done, as the notifier's saved state keeps it.
struct Pending {
  Event event;
  int failed_attempts = 0;
};

class Endpoint {
 public:
  // `changed` is called (from the endpoint's thread) whenever a delivery
  // leaves the queue, so the notifier knows its saved state is stale.
  Endpoint(Webhook webhook, std::shared_ptr<Sender> sender, std::shared_ptr<DeliveryMetrics> metrics, LogLine log,
           std::function<void()> changed);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  const std::string& name() const { return webhook_.name; }
  bool wants(const std::string& event_name) const { return webhook_.events.contains(event_name); }

  // Queued to be sent now; with the queue full, the oldest waiting delivery
  // is dropped for it. `failed_attempts` carries over a restored delivery's.
  void enqueue(Event event, int failed_attempts = 0);
  void start();
  // Ends the thread; an attempt in flight is abandoned and not counted.
  // What was not delivered stays in pending().
  void stop();
  std::vector<Pending> pending() const;

 private:
  struct Delivery {
    std::uint64_t seq = 0;
    Pending pending;
    std::chrono::steady_clock::time_point due;
    bool in_flight = false;
  };
  void run(std::stop_token stop);
  Post post_for(const Event& event) const;
  // Under mu_: what the answer to one attempt does to the queue.
  void settle(std::uint64_t seq, const PostResult& result);
  std::deque<Delivery>::iterator find(std::uint64_t seq);
  // False when nothing waits (only the delivery in flight, or none).
  bool drop_oldest_waiting(const std::string& why);
  void log(Outcome outcome, const Pending& pending, const PostResult* result, std::chrono::milliseconds retry_in);

  Webhook webhook_;
  std::shared_ptr<Sender> sender_;
  std::shared_ptr<DeliveryMetrics> metrics_;
  LogLine log_;
  std::function<void()> changed_;

  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  std::deque<Delivery> queue_;  // in arrival order
  std::uint64_t next_seq_ = 0;
  std::uint64_t arrivals_ = 0;  // bumped by enqueue, so a waiting thread sees new work
  bool disabled_ = false;       // answered 410
  std::mt19937_64 random_{std::random_device{}()};
  std::jthread thread_;  // last member: stopped and joined before the rest goes
};

// The delay before the next attempt after `failed` failed ones: the
// schedule's, spread by a factor from [0.8, 1.2], and no shorter than a
// Retry-After the endpoint asked for (up to the schedule's longest).
std::chrono::milliseconds next_delay(const RetrySchedule& schedule, int failed, double spread,
                                     std::optional<std::chrono::seconds> retry_after);

}  // namespace mandate::notify
