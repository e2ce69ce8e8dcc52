#pragma once
// The webhook notifier of `mandate serve`: follows the ledger and announces
// the steps people must act on or know of — a task requested, approved or
// denied, a mandate issued, break-glass, a review overdue — to the
// configured [[webhooks]] as signed CloudEvents.
//
// Events come from the ledger, not from the request handlers: a thread
// reads the entries after a cursor every poll interval, so a request never
// waits on a delivery, and steps taken by the CLI on the same home are
// announced too. The cursor, the deliveries not yet done and the overdue
// reviews already announced are saved in the store (meta "notify.state")
// after every pass and at stop: a restart neither resends nor skips (after
// a crash, deliveries done in the last pass may be sent again, with the
// same webhook-id). The first start begins at the ledger's current size.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "notify/delivery_metrics.h"
#include "notify/webhooks.h"

namespace mandate::store {
class Store;
}
namespace mandate::broker {
class Broker;
}

namespace mandate::notify {

class Endpoint;
class Sender;
struct Event;
struct EventContext;

struct NotifierSettings {
  std::vector<Webhook> webhooks;
  std::string public_url;           // the events' source; console links start with it
  std::string change_url_template;  // [console] change_url_template, may be empty
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(250)};
  // How often pending break-glass reviews are checked for a passed deadline.
  std::chrono::milliseconds review_scan_interval{std::chrono::seconds(10)};
};

class Notifier {
 public:
  // `log` takes one JSON line per delivery outcome or failure (default:
  // stderr). `sender` is for tests; default libcurl.
  Notifier(NotifierSettings settings, store::Store& store, std::string ledger_origin, broker::Broker& broker,
           std::shared_ptr<DeliveryMetrics> metrics, std::function<void(const std::string&)> log = nullptr,
           std::shared_ptr<Sender> sender = nullptr);
  ~Notifier();  // stop()
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Loads the saved state and starts the threads.
  void start();
  // One last pass over the ledger (steps written while the server drained),
  // then ends the threads and saves the state. Idempotent.
  void stop();
  // One pass: announces the entries after the cursor and, when a scan is
  // due, the reviews newly overdue; saves the state when it changed. The
  // follower thread calls it every poll interval; tests may call it.
  void poll();

  static constexpr const char* kStateKey = "notify.state";

 private:
  void follow(std::stop_token stop);
  void poll_logging_failures();
  void dispatch(const Event& event);
  void scan_reviews();
  void load_state();
  void save_state();
  void log_error(const std::string& what, const std::string& why);

  NotifierSettings settings_;
  store::Store& store_;
  broker::Broker& broker_;
  std::unique_ptr<EventContext> context_;
  std::shared_ptr<DeliveryMetrics> metrics_;
  std::function<void(const std::string&)> log_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;

  std::mutex poll_mu_;  // one pass at a time; guards the members below
  std::uint64_t cursor_ = 0;
  std::set<std::string> overdue_announced_;  // task ids, while their review stays pending
  std::optional<std::chrono::steady_clock::time_point> last_review_scan_;
  std::atomic<bool> dirty_{false};
  bool started_ = false;
  bool stopped_ = false;

  std::mutex sleep_mu_;
  std::condition_variable_any sleep_;
  std::jthread follower_;
};

}  // namespace mandate::notify
