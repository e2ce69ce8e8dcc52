#pragma once
// A Sender that records every POST and answers with the status the test
// chooses, so delivery logic is tested without a network.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "notify/internal/sender.h"

namespace mandate::notify {

class FakeSender : public Sender {
 public:
  // The status for the n-th POST (1-based); default 200.
  std::function<int(const Post&, int n)> answer = [](const Post&, int) { return 200; };

  PostResult post(const Post& post, std::stop_token) override {
    std::unique_lock lock(mu_);
    posts_.push_back(post);
    const int status = answer(post, static_cast<int>(posts_.size()));
    arrived_.notify_all();
    return {status, status == 0 ? "connection refused" : "", std::nullopt, false};
  }

  // Every POST so far, once there are at least `n` (or after `timeout`).
  std::vector<Post> wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    arrived_.wait_for(lock, timeout, [&] { return posts_.size() >= n; });
    return posts_;
  }
  std::vector<Post> posts() {
    std::lock_guard lock(mu_);
    return posts_;
  }

 private:
  std::mutex mu_;
  std::condition_variable arrived_;
  std::vector<Post> posts_;
};

// The value of header `name` in a recorded POST ("" when absent).
inline std::string header(const Post& post, const std::string& name) {
  for (const auto& [n, v] : post.headers) {
    if (n == name) return v;
  }
  return "";
}

}  // namespace mandate::notify
