// Decisions decided again off the committing thread (internal/decision_retries.h).
#include "broker/internal/decision_retries.h"

#include <utility>

namespace mandate::broker {

DecisionRetries::~DecisionRetries() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  more_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void DecisionRetries::post(std::function<void()> retry) {
  std::lock_guard lock(mu_);
  if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
  queue_.push_back(std::move(retry));
  more_.notify_one();
}

void DecisionRetries::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    more_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;
    auto retry = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    retry();
    lock.lock();
  }
}

}  // namespace mandate::broker
