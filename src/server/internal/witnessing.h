#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// The server asking its witnesses ([witnesses] in mandate.toml): on a thread
// of its own, every interval in which the ledger grew, it signs a checkpoint,
// sends it to every witness of the policy with a consistency proof, and
// keeps the cosigned checkpoint once the policy's quorum is reached
// (Home::record_witnessed_checkpoint). Evidence asks it for a checkpoint
// that covers a task's entries; /metrics and /readyz say how it is doing.
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "server/config.h"
#include "witness/publisher.h"

namespace mandate::home {
class Home;
}

namespace mandate::server {

class Witnessing {
 public:
  // Throws Error{bad_input} when the policy lists logs and none of them is
  // this home's checkpoint key.
  Witnessing(const WitnessingConfig& config, home::Home& home);
  ~Witnessing();
  Witnessing(const Witnessing&) = delete;
  Witnessing& operator=(const Witnessing&) = delete;

  void start();
  // A witnessed checkpoint of at least `size` entries: the kept one, or one
  // published now (waiting at most a round's worth of witness timeouts).
  std::optional<std::string> witnessed_covering(std::uint64_t size);
  // Why the newest checkpoint sent lacks its quorum; nothing when it has it.
  std::optional<std::string> quorum_problem() const;
  bool required_for_ready() const { return required_for_ready_; }
  std::string render_metrics() const;

 private:
  void run(std::stop_token stop);
  void round();

  home::Home& home_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds timeout_;
  bool required_for_ready_;
  witness::CheckpointPublisher publisher_;

  mutable std::mutex mu_;
  std::condition_variable_any changed_;
  bool requested_ = false;            // someone waits for a round now
  std::uint64_t rounds_ = 0;          // completed, with or without quorum
  std::uint64_t sent_size_ = 0;       // the newest size sent
  std::uint64_t witnessed_size_ = 0;  // the newest size that reached the quorum
  bool quorum_ = true;                // whether the newest size sent reached it
  std::string problem_;               // why not
  std::uint64_t quorum_failures_ = 0;
  std::jthread thread_;
};

}  // namespace mandate::server
