// Decisions on one task take turns (internal/task_turns.h).
#include "broker/internal/task_turns.h"

#include <functional>
#include <utility>

namespace mandate::broker {

TaskTurns::Turn& TaskTurns::Turn::operator=(Turn&& other) noexcept {
  if (this != &other) {
    end();
    stripe_ = std::exchange(other.stripe_, nullptr);
  }
  return *this;
}

void TaskTurns::Turn::end() {
  Stripe* stripe = std::exchange(stripe_, nullptr);
  if (!stripe) return;
  {
    std::lock_guard lock(stripe->mu);
    ++stripe->serving;
  }
  // All: the next ticket's decision, and a broker going away.
  stripe->free.notify_all();
}

TaskTurns::Stripe& TaskTurns::stripe_of(std::string_view task_id) {
  return stripes_[std::hash<std::string_view>{}(task_id) % stripes_.size()];
}

TaskTurns::Turn TaskTurns::wait_for(std::string_view task_id) {
  Stripe& stripe = stripe_of(task_id);
  std::unique_lock lock(stripe.mu);
  const std::uint64_t ticket = stripe.next_ticket++;
  stripe.free.wait(lock, [&] { return stripe.serving == ticket; });
  return Turn(stripe);
}

std::optional<TaskTurns::Turn> TaskTurns::take_if_free(std::string_view task_id) {
  Stripe& stripe = stripe_of(task_id);
  std::lock_guard lock(stripe.mu);
  if (stripe.serving != stripe.next_ticket) return std::nullopt;
  ++stripe.next_ticket;
  return Turn(stripe);
}

std::uint64_t TaskTurns::waiting(std::string_view task_id) {
  Stripe& stripe = stripe_of(task_id);
  std::lock_guard lock(stripe.mu);
  const std::uint64_t asked = stripe.next_ticket - stripe.serving;
  return asked == 0 ? 0 : asked - 1;  // less the one whose turn it is
}

void TaskTurns::wait_until_all_end() {
  for (Stripe& stripe : stripes_) {
    std::unique_lock lock(stripe.mu);
    stripe.free.wait(lock, [&] { return stripe.serving == stripe.next_ticket; });
  }
}

}  // namespace mandate::broker
