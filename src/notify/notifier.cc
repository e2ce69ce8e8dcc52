#include "notify/notifier.h"

#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "notify/internal/endpoint.h"
#include "notify/internal/events.h"
#include "store/store.h"

namespace mandate::notify {

using nlohmann::json;

namespace {

std::function<void(const std::string&)> stderr_lines() {
  return [mu = std::make_shared<std::mutex>()](const std::string& line) {
    std::lock_guard lock(*mu);
    std::cerr << (line + "\n") << std::flush;  // one write: lines from other threads do not interleave
  };
}

}  // namespace

Notifier::Notifier(NotifierSettings settings, store::Store& store, std::string ledger_origin, broker::Broker& broker,
                   std::shared_ptr<DeliveryMetrics> metrics, std::function<void(const std::string&)> log,
                   std::shared_ptr<Sender> sender)
    : settings_(std::move(settings)),
      store_(store),
      broker_(broker),
      context_(std::make_unique<EventContext>(
          EventContext{std::move(ledger_origin), settings_.public_url, settings_.change_url_template})),
      metrics_(std::move(metrics)),
      log_(log ? std::move(log) : stderr_lines()) {
  if (!sender) sender = curl_sender();
  for (const Webhook& webhook : settings_.webhooks) {
    endpoints_.push_back(std::make_unique<Endpoint>(webhook, sender, metrics_, log_, [this] { dirty_ = true; }));
  }
}

Notifier::~Notifier() { stop(); }

void Notifier::start() {
  {
    std::lock_guard lock(poll_mu_);
    if (started_) return;
    started_ = true;
    load_state();
  }
  json names = json::array();
  for (const auto& endpoint : endpoints_) names.push_back(endpoint->name());
  log_(json{{"event", "webhooks"}, {"endpoints", names}, {"from_ledger_index", cursor_}}.dump());
  for (const auto& endpoint : endpoints_) endpoint->start();
  follower_ = std::jthread([this](std::stop_token stop) { follow(std::move(stop)); });
}

void Notifier::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  follower_.request_stop();
  follower_.join();
  poll_logging_failures();
  for (const auto& endpoint : endpoints_) endpoint->stop();
  std::lock_guard lock(poll_mu_);
  try {
    save_state();
  } catch (const std::exception& e) {
    log_error("saving the state at stop", e.what());
  }
}

void Notifier::follow(std::stop_token stop) {
  while (!stop.stop_requested()) {
    poll_logging_failures();
    std::unique_lock lock(sleep_mu_);
    sleep_.wait_for(lock, stop, settings_.poll_interval, [] { return false; });
  }
}

void Notifier::poll_logging_failures() {
  try {
    poll();
  } catch (const std::exception& e) {
    log_error("a pass over the ledger", e.what());
  }
}

void Notifier::poll() {
  std::lock_guard lock(poll_mu_);
  const std::uint64_t size = store_.ledger_size();
  if (size > cursor_) {
    // AuthZEN's decisions and searches, most entries under load, announce nothing.
    store_.scan_ledger_bodies(cursor_, size, broker::kEntryTypesAboutNoTask, [this](const store::LedgerRow& row) {
      if (may_announce(row.type)) {
        try {
          if (auto event = event_for_entry(row, broker_, *context_)) dispatch(*event);
        } catch (const std::exception& e) {
          log_error("ledger entry " + std::to_string(row.index), e.what());
        }
      }
      cursor_ = row.index + 1;
      return true;
    });
    cursor_ = size;
    dirty_ = true;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!last_review_scan_ || now - *last_review_scan_ >= settings_.review_scan_interval) {
    last_review_scan_ = now;
    scan_reviews();
  }
  if (dirty_.exchange(false)) {
    try {
      save_state();
    } catch (...) {
      dirty_ = true;
      throw;
    }
  }
}

void Notifier::dispatch(const Event& event) {
  for (const auto& endpoint : endpoints_) {
    if (endpoint->wants(event.name)) endpoint->enqueue(event);
  }
}

// Each overdue review is announced once: the task ids announced are kept
// while their review stays pending (a review done, the id is forgotten).
void Notifier::scan_reviews() {
  std::set<std::string> overdue;
  for (const broker::PendingReview& review : broker_.pending_reviews()) {
    if (!review.overdue) continue;
    overdue.insert(review.task.task.id);
    if (!overdue_announced_.contains(review.task.task.id)) dispatch(review_overdue_event(review.task, *context_));
  }
  if (overdue != overdue_announced_) {
    overdue_announced_ = std::move(overdue);
    dirty_ = true;
  }
}

void Notifier::load_state() {
  const std::uint64_t size = store_.ledger_size();
  const auto saved = store_.meta(kStateKey);
  cursor_ = size;
  dirty_ = true;
  if (!saved) return;  // the first start: from here on
  try {
    const json state = json::parse(*saved);
    cursor_ = state.at("cursor").get<std::uint64_t>();
    overdue_announced_ = state.at("overdue").get<std::set<std::string>>();
    for (const json& p : state.at("pending")) {
      Event event{p.at("id").get<std::string>(), p.at("webhook_id").get<std::string>(),
                  p.at("name").get<std::string>(), p.at("body").get<std::string>()};
      const std::string name = p.at("endpoint").get<std::string>();
      const auto endpoint = std::find_if(endpoints_.begin(), endpoints_.end(), [&](const auto& e) { return e->name() == name; });
      if (endpoint != endpoints_.end() && (*endpoint)->wants(event.name)) {
        (*endpoint)->enqueue(std::move(event), p.at("attempts").get<int>());
      } else {
        log_(json{{"event", "webhook"}, {"endpoint", name}, {"outcome", "dropped"}, {"type", event.name}, {"id", event.id},
                  {"error", "the endpoint is no longer configured for this event"}}.dump());
      }
    }
  } catch (const std::exception& e) {
    log_error("the saved state (" + std::string(kStateKey) + ")", std::string(e.what()) + "; starting at the ledger's end");
    cursor_ = size;
    return;
  }
  if (cursor_ > size) {
    log_error("the saved state", "its cursor " + std::to_string(cursor_) + " is past the ledger's end " +
                                     std::to_string(size) + " (a store restored from a backup?); starting at the end");
    cursor_ = size;
  }
}

void Notifier::save_state() {
  json pending = json::array();
  for (const auto& endpoint : endpoints_) {
    for (const Pending& p : endpoint->pending()) {
      pending.push_back({{"endpoint", endpoint->name()},
                         {"id", p.event.id},
                         {"webhook_id", p.event.webhook_id},
                         {"name", p.event.name},
                         {"body", p.event.body},
                         {"attempts", p.failed_attempts}});
    }
  }
  store_.set_meta(kStateKey, json{{"cursor", cursor_}, {"overdue", overdue_announced_}, {"pending", pending}}.dump());
}

void Notifier::log_error(const std::string& what, const std::string& why) {
  log_(json{{"event", "webhook_error"}, {"while", what}, {"message", why}}.dump());
}

}  // namespace mandate::notify
