#include "store/commit_latency.h"

namespace mandate::store {

void CommitLatency::observe(std::chrono::nanoseconds took) {
  const double seconds = std::chrono::duration<double>(took).count();
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) buckets_[i].fetch_add(1, std::memory_order_relaxed);
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  nanoseconds_.fetch_add(static_cast<std::uint64_t>(took.count()), std::memory_order_relaxed);
}

void CommitLatency::report(StoreHealth& health) const {
  health.commits = count_.load(std::memory_order_relaxed);
  health.commit_seconds = static_cast<double>(nanoseconds_.load(std::memory_order_relaxed)) / 1e9;
  health.commit_buckets.clear();
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    health.commit_buckets.emplace_back(kBounds[i], buckets_[i].load(std::memory_order_relaxed));
  }
}

}  // namespace mandate::store
