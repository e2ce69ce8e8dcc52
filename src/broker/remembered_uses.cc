// Remembered use counts (internal/remembered_uses.h).
#include "broker/internal/remembered_uses.h"

namespace mandate::broker {

std::string RememberedUses::key_of(const UseCount& u) {
  std::string key = u.kind;
  key.push_back('\0');
  key += u.id;
  return key;
}

bool RememberedUses::recall(std::vector<UseCount>& uses) {
  std::vector<const Count*> found;
  found.reserve(uses.size());
  std::lock_guard lock(mu_);
  for (const UseCount& u : uses) {
    const auto it = counts_.find(key_of(u));
    if (it == counts_.end()) return false;
    found.push_back(&it->second);
  }
  for (std::size_t i = 0; i < uses.size(); ++i) {
    uses[i].used = found[i]->used;
    uses[i].last_use = found[i]->last_use;
  }
  return true;
}

void RememberedUses::note_read(const std::vector<UseCount>& uses) {
  std::lock_guard lock(mu_);
  for (const UseCount& u : uses) note_locked(u, {u.used, u.last_use});
}

void RememberedUses::note_allowed(const std::vector<UseCount>& uses, std::uint64_t index) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < uses.size(); ++i) {
    const bool is_task = i + 1 == uses.size();
    note_locked(uses[i], {uses[i].used + 1, is_task ? std::optional<std::uint64_t>(index) : std::nullopt});
  }
}

void RememberedUses::note_locked(const UseCount& u, Count count) {
  if (counts_.size() >= kMaxCounts) counts_.clear();
  counts_[key_of(u)] = count;
}

}  // namespace mandate::broker
