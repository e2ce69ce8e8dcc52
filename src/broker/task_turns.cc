// Decisions on one task take turns (internal/task_turns.h).
#include "broker/internal/task_turns.h"

#include <functional>

namespace mandate::broker {

TaskTurns::Turn::Turn(Turn&& other) noexcept
    : shard_(std::exchange(other.shard_, nullptr)), entry_(std::exchange(other.entry_, nullptr)) {}

TaskTurns::Turn& TaskTurns::Turn::operator=(Turn&& other) noexcept {
  if (this != &other) {
    end();
    shard_ = std::exchange(other.shard_, nullptr);
    entry_ = std::exchange(other.entry_, nullptr);
  }
  return *this;
}

void TaskTurns::Turn::end() {
  Shard* shard = std::exchange(shard_, nullptr);
  Entry* entry = std::exchange(entry_, nullptr);
  if (!shard) return;
  std::function<void(Turn)> parked;
  {
    std::lock_guard lock(shard->mu);
    Queue& queue = entry->second;
    if (++queue.serving == queue.next_ticket) {
      // Free and asked for by no one: the task is forgotten, so that the
      // map holds only the tasks decided on right now.
      shard->tasks.erase(shard->tasks.find(entry->first));
    } else if (!queue.parked.empty() && queue.parked.front().first == queue.serving) {
      parked = std::move(queue.parked.front().second);
      queue.parked.pop_front();
    }
  }
  if (parked) {
    // The turn passes on as it is: no waiter's ticket came up.
    try {
      parked(Turn(*shard, *entry));
    } catch (...) {
      // It could not be posted (out of memory): the turn it was given has
      // ended with it, and the decision is not answered.
    }
    return;
  }
  // All: the next ticket's decision (whichever of the shard's waiters it
  // is), and a broker going away.
  shard->ended.notify_all();
}

TaskTurns::Shard& TaskTurns::shard_of(std::string_view task_id) {
  return shards_[TaskIdHash{}(task_id) % shards_.size()];
}

TaskTurns::Entry& TaskTurns::entry_of(Shard& shard, std::string_view task_id) {
  if (const auto it = shard.tasks.find(task_id); it != shard.tasks.end()) return *it;
  return *shard.tasks.try_emplace(std::string(task_id)).first;
}

TaskTurns::Turn TaskTurns::wait_for(std::string_view task_id) {
  Shard& shard = shard_of(task_id);
  std::unique_lock lock(shard.mu);
  Entry& entry = entry_of(shard, task_id);
  const std::uint64_t ticket = entry.second.next_ticket++;
  shard.ended.wait(lock, [&] { return entry.second.serving == ticket; });
  return Turn(shard, entry);
}

std::optional<TaskTurns::Turn> TaskTurns::take_if_free(std::string_view task_id) {
  Shard& shard = shard_of(task_id);
  std::lock_guard lock(shard.mu);
  Entry& entry = entry_of(shard, task_id);
  if (entry.second.serving != entry.second.next_ticket) return std::nullopt;
  ++entry.second.next_ticket;
  return Turn(shard, entry);
}

std::optional<TaskTurns::Turn> TaskTurns::take_or_park(std::string_view task_id,
                                                       std::function<void(Turn)> when_taken) {
  Shard& shard = shard_of(task_id);
  std::lock_guard lock(shard.mu);
  Entry& entry = entry_of(shard, task_id);
  const std::uint64_t ticket = entry.second.next_ticket++;
  if (entry.second.serving == ticket) return Turn(shard, entry);
  entry.second.parked.emplace_back(ticket, std::move(when_taken));
  return std::nullopt;
}

std::uint64_t TaskTurns::waiting(std::string_view task_id) {
  Shard& shard = shard_of(task_id);
  std::lock_guard lock(shard.mu);
  const auto it = shard.tasks.find(task_id);
  if (it == shard.tasks.end()) return 0;
  const std::uint64_t asked = it->second.next_ticket - it->second.serving;
  return asked == 0 ? 0 : asked - 1;  // less the one whose turn it is
}

void TaskTurns::wait_until_all_end() {
  for (Shard& shard : shards_) {
    std::unique_lock lock(shard.mu);
    shard.ended.wait(lock, [&] { return shard.tasks.empty(); });
  }
}

}  // namespace mandate::broker
