#pragma once
// Private to the broker module: the build defines MANDATE_INSIDE_BROKER only for src/broker/ and tests/broker/.
#ifndef MANDATE_INSIDE_BROKER
#error "this header is internal to the broker module; include a public broker/ header instead"
#endif
// Internal to the broker: where a decision made without waiting is decided
// again after its commit conflicted, when the store's reads wait
// (PostgreSQL). Not on the ledger's committing thread, where every read
// would hold up every commit, but on a thread of its own, started when
// first needed.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace mandate::broker {

class DecisionRetries {
 public:
  DecisionRetries() = default;
  DecisionRetries(const DecisionRetries&) = delete;
  DecisionRetries& operator=(const DecisionRetries&) = delete;
  // Runs what is queued, then stops.
  ~DecisionRetries();
  // `retry` must not throw.
  void post(std::function<void()> retry);

 private:
  void run();
  std::mutex mu_;
  std::condition_variable more_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace mandate::broker
