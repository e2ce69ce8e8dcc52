#pragma once
// Private to the broker module: the build defines MANDATE_INSIDE_BROKER only for src/broker/ and tests/broker/.
#ifndef MANDATE_INSIDE_BROKER
#error "this header is internal to the broker module; include a public broker/ header instead"
#endif
// Internal to the broker: decisions on one task take turns, in this
// process, from their reads to their commit (they all move its use count;
// racing, all but one would conflict and be decided again). A turn belongs
// to one task: decisions on two tasks never wait for each other. A blocking
// decision waits for its turn; one that must not wait (on a network thread)
// takes it when it is free, or else parks what it will do once it has it,
// without holding a thread. A turn may end on another thread than the one
// that took it: a decision that does not wait for its commit hands its turn
// to the commit's callback, and the turn's end passes it on to a parked
// decision, on that thread.
#include <array>
#include <condition_variable>
#include <deque>
#include <functional>
#include <cstdint>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace mandate::broker {

class TaskTurns {
 public:
  class Turn;

 private:
  // Turns are taken in the order they were asked for (a ticket each), so
  // no decision waits behind later ones on its task.
  struct Queue {
    std::uint64_t next_ticket = 0;  // the one the next asker gets
    std::uint64_t serving = 0;      // the one whose turn it is; free when == next_ticket
    // The askers that did not wait, by ticket (in order): each is called
    // with its turn when the one before it ends.
    std::deque<std::pair<std::uint64_t, std::function<void(Turn)>>> parked;
  };
  // The tasks with a turn held or asked for, by task id, in shards that
  // each have their own lock: a task is forgotten once its turn is free.
  // Looked up by the caller's string_view: asking for a task already
  // there makes no string (every decision asks once).
  struct TaskIdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view task_id) const noexcept { return std::hash<std::string_view>{}(task_id); }
  };
  struct Shard {
    std::mutex mu;
    std::condition_variable ended;  // a turn of one of this shard's tasks ended
    std::unordered_map<std::string, Queue, TaskIdHash, std::equal_to<>> tasks;
  };
  using Entry = std::pair<const std::string, Queue>;  // a node of Shard::tasks: stable until erased

 public:
  // Held while a decision has its task's turn; ends it when destroyed.
  class Turn {
   public:
    Turn() = default;
    Turn(Shard& shard, Entry& entry) : shard_(&shard), entry_(&entry) {}
    Turn(Turn&& other) noexcept;
    Turn& operator=(Turn&& other) noexcept;
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    ~Turn() { end(); }
    void end();

   private:
    Shard* shard_ = nullptr;
    Entry* entry_ = nullptr;  // the task's, kept while a turn is held or asked for
  };

  Turn wait_for(std::string_view task_id);
  std::optional<Turn> take_if_free(std::string_view task_id);
  // The turn now when it is free; else nullopt, and `when_taken` is called
  // with the turn, after every earlier asker's, on the thread that ends the
  // one before it: it must not block (it posts the work elsewhere).
  std::optional<Turn> take_or_park(std::string_view task_id, std::function<void(Turn)> when_taken);
  // How many decisions wait for a turn on the task.
  std::uint64_t waiting(std::string_view task_id);
  // Returns once no turn is held: a broker going away first lets the
  // decisions still waiting for their commits finish (they use it).
  void wait_until_all_end();

 private:
  Shard& shard_of(std::string_view task_id);
  static Entry& entry_of(Shard& shard, std::string_view task_id);
  std::array<Shard, 64> shards_;
};

}  // namespace mandate::broker
