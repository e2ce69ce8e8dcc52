#pragma once
// Append transactions timed for StoreHealth: a lock-free histogram both
// backends fill, read by /metrics.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "store/store.h"

namespace mandate::store {

class CommitLatency {
 public:
  static constexpr std::array<double, 10> kBounds{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 2.0};

  void observe(std::chrono::nanoseconds took);
  // Fills health's commits, commit_seconds and commit_buckets.
  void report(StoreHealth& health) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size()> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> nanoseconds_{0};
};

}  // namespace mandate::store
