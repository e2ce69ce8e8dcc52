#include "notify/internal/endpoint.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "notify/internal/signing.h"

namespace mandate::notify {

std::chrono::milliseconds next_delay(const RetrySchedule& schedule, int failed, double spread,
                                     std::optional<std::chrono::seconds> retry_after) {
  const auto base = retry_delay(schedule, failed);
  auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) * spread));
  if (retry_after) {
    delay = std::max(delay, std::min<std::chrono::milliseconds>(*retry_after, schedule.longest));
  }
  return delay;
}

Endpoint::Endpoint(Webhook webhook, std::shared_ptr<Sender> sender, std::shared_ptr<DeliveryMetrics> metrics, LogLine log,
                   std::function<void()> changed)
    : webhook_(std::move(webhook)),
      sender_(std::move(sender)),
      metrics_(std::move(metrics)),
      log_(std::move(log)),
      changed_(std::move(changed)) {
  metrics_->add_endpoint(webhook_.name);
}

Endpoint::~Endpoint() { stop(); }

void Endpoint::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
}

void Endpoint::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void Endpoint::enqueue(Event event, int failed_attempts) {
  std::lock_guard lock(mu_);
  Pending pending{std::move(event), failed_attempts};
  if (disabled_) {
    metrics_->count(webhook_.name, Outcome::dropped);
    return log(Outcome::dropped, pending, nullptr, {});
  }
  if (queue_.size() >= webhook_.queue_limit) drop_oldest_waiting("the queue is full");
  queue_.push_back({next_seq_++, std::move(pending), std::chrono::steady_clock::now(), false});
  ++arrivals_;
  metrics_->set_queued(webhook_.name, queue_.size());
  wake_.notify_all();
}

std::vector<Pending> Endpoint::pending() const {
  std::lock_guard lock(mu_);
  std::vector<Pending> out;
  for (const Delivery& d : queue_) out.push_back(d.pending);
  return out;
}

void Endpoint::run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    auto next = std::min_element(queue_.begin(), queue_.end(), [](const Delivery& a, const Delivery& b) {
      return !a.in_flight && (b.in_flight || a.due < b.due);
    });
    const std::uint64_t seen = arrivals_;
    const auto woken = [&] { return arrivals_ != seen; };
    if (next == queue_.end() || next->in_flight) {
      wake_.wait(lock, stop, woken);
      continue;
    }
    if (next->due > std::chrono::steady_clock::now()) {
      wake_.wait_until(lock, stop, next->due, woken);
      continue;
    }
    next->in_flight = true;
    const std::uint64_t seq = next->seq;
    const Event event = next->pending.event;
    lock.unlock();
    PostResult result;
    try {
      result = sender_->post(post_for(event), stop);
    } catch (const std::exception& e) {  // a failed attempt, not the end of the thread
      result.error = e.what();
    }
    lock.lock();
    settle(seq, result);
  }
}

Post Endpoint::post_for(const Event& event) const {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return {webhook_.url,
          {{"Content-Type", "application/cloudevents+json; charset=utf-8"},
           {"webhook-id", event.webhook_id},
           {"webhook-timestamp", std::to_string(now)},
           {"webhook-signature", sign(webhook_.key, event.webhook_id, now, event.body)}},
          event.body,
          webhook_.timeout,
          webhook_.ca_file};
}

std::deque<Endpoint::Delivery>::iterator Endpoint::find(std::uint64_t seq) {
  return std::find_if(queue_.begin(), queue_.end(), [seq](const Delivery& d) { return d.seq == seq; });
}

void Endpoint::settle(std::uint64_t seq, const PostResult& result) {
  const auto it = find(seq);
  if (it == queue_.end()) return;  // dropped meanwhile (the endpoint was disabled)
  it->in_flight = false;
  if (result.stopped) return;  // not an attempt: stays as it was
  Pending& pending = it->pending;
  ++pending.failed_attempts;
  Outcome outcome = Outcome::retrying;
  std::chrono::milliseconds retry_in{0};
  if (result.status >= 200 && result.status < 300) {
    outcome = Outcome::delivered;
  } else if (result.status == 410) {
    outcome = Outcome::gone;
  } else if (pending.failed_attempts >= webhook_.retry.max_attempts) {
    outcome = Outcome::failed;
  } else {
    retry_in = next_delay(webhook_.retry, pending.failed_attempts,
                          std::uniform_real_distribution<double>(0.8, 1.2)(random_), result.retry_after);
    it->due = std::chrono::steady_clock::now() + retry_in;
  }
  metrics_->count(webhook_.name, outcome);
  log(outcome, pending, &result, retry_in);
  if (outcome != Outcome::retrying) queue_.erase(it);
  if (outcome == Outcome::gone) {
    // Standard Webhooks: 410 means the receiver wants no more.
    disabled_ = true;
    while (drop_oldest_waiting("the endpoint answered 410 Gone")) {
    }
  }
  metrics_->set_queued(webhook_.name, queue_.size());
  changed_();
}

bool Endpoint::drop_oldest_waiting(const std::string& why) {
  const auto oldest = std::find_if(queue_.begin(), queue_.end(), [](const Delivery& d) { return !d.in_flight; });
  if (oldest == queue_.end()) return false;
  metrics_->count(webhook_.name, Outcome::dropped);
  PostResult reason;
  reason.error = why;
  log(Outcome::dropped, oldest->pending, &reason, {});
  queue_.erase(oldest);
  changed_();
  return true;
}

void Endpoint::log(Outcome outcome, const Pending& pending, const PostResult* result, std::chrono::milliseconds retry_in) {
  nlohmann::json line = {{"event", "webhook"},
                         {"endpoint", webhook_.name},
                         {"outcome", std::string(to_string(outcome))},
                         {"type", pending.event.name},
                         {"id", pending.event.id},
                         {"webhook_id", pending.event.webhook_id},
                         {"attempt", pending.failed_attempts}};
  if (result != nullptr && result->status != 0) line["status"] = result->status;
  if (result != nullptr && !result->error.empty()) line["error"] = result->error;
  if (outcome == Outcome::retrying) line["retry_in_ms"] = retry_in.count();
  log_(line.dump());
}

}  // namespace mandate::notify
