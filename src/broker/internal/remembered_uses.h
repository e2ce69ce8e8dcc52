#pragma once
// Private to the broker module: the build defines MANDATE_INSIDE_BROKER only for src/broker/ and tests/broker/.
#ifndef MANDATE_INSIDE_BROKER
#error "this header is internal to the broker module; include a public broker/ header instead"
#endif
// Internal to the broker: the use counts (of mandates and of tasks) as this
// process last read or committed them, so that a decision on a remembered
// state need not read them again. Nothing is decided on them alone: an
// allow's commit requires each count at the version it recalled (another
// server's decision in between turns it into a conflict, decided again on
// counts read afresh), and a deny is decided again on fresh reads too, as
// any deny on a remembered state is. Counts only grow, so a recalled count
// is never above the stored one. Decisions on one task take turns from
// their reads to their commit (task_turns.h), so within this process no
// read or commit of a task's counts overtakes another.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/internal/decision_checks.h"

namespace mandate::broker {

class RememberedUses {
 public:
  // Fills used (and the task's last_use) of every count in `uses` and
  // returns true when all of them are remembered; else changes nothing.
  bool recall(std::vector<UseCount>& uses);
  // The counts as just read from the store.
  void note_read(const std::vector<UseCount>& uses);
  // An allow committed as entry `index`: each count one up, and the task's
  // (the last) naming this entry.
  void note_allowed(const std::vector<UseCount>& uses, std::uint64_t index);

 private:
  struct Count {
    std::int64_t used = 0;
    std::optional<std::uint64_t> last_use;
  };
  static std::string key_of(const UseCount& u);
  // A bound on memory: past it, everything is forgotten (and read again).
  static constexpr std::size_t kMaxCounts = 100'000;
  void note_locked(const UseCount& u, Count count);

  std::mutex mu_;
  std::unordered_map<std::string, Count> counts_;
};

}  // namespace mandate::broker
