#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// Task changes as they reach the ledger, for the console's live pages
// (GET /v1/events, Server-Sent Events). One thread reads the ledger's new
// entries — whoever appended them: this server, another process on the home,
// the CLI — and keeps the recent ones about tasks, and which actors were
// suspended or offboarded; each open stream reads from here on its own
// connection, so a thousand listeners cost one reader.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "server/internal/http_message.h"

namespace mandate::store {
class Store;
}

namespace mandate::server {

struct TaskEvent {
  std::uint64_t ledger_index = 0;
  std::string task;
  std::string kind;  // the entry's type: task.requested, task.approval, decision, …
};

class TaskEventFeed {
 public:
  // Reads `store`'s ledger every `interval` on a thread of its own while a
  // listener holds a Listening, from kKept entries before its end at start
  // (so a client that reconnects after a restart can resume). While nobody
  // listens it reads nothing: on a busy decision point the read would cost
  // the database a second pass over every decision it just wrote.
  explicit TaskEventFeed(store::Store& store, std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~TaskEventFeed();
  TaskEventFeed(const TaskEventFeed&) = delete;
  TaskEventFeed& operator=(const TaskEventFeed&) = delete;

  // An open stream's hold on the feed: the first one wakes the reader,
  // which catches up from where it stopped (at most kCatchUp entries back).
  class Listening {
   public:
    explicit Listening(const TaskEventFeed& feed);
    ~Listening();
    Listening(const Listening&) = delete;
    Listening& operator=(const Listening&) = delete;

   private:
    const TaskEventFeed& feed_;
  };

  // The kept events at index `from` or later, oldest first, at most `max`.
  std::vector<TaskEvent> since(std::uint64_t from, std::size_t max) const;
  // Where a new listener starts: the ledger's end now.
  std::uint64_t start_for_new_listener() const;
  // Whether the feed has read the suspension or offboarding of `actor`
  // since it began. A listener admitted while active stops hearing once
  // this says so: the check costs a set lookup on the connection's thread,
  // where asking the broker could mean reading the store.
  bool standing_ended(const std::string& actor) const;

  // How many of the newest task events are kept for listeners that resume.
  static constexpr std::size_t kKept = 4096;
  // How far back the reader catches up when a listener comes after a
  // silence: a listener that resumes from further back misses the rest,
  // as one that resumes from before the kept events does.
  static constexpr std::uint64_t kCatchUp = 16 * kKept;

 private:
  void run(std::stop_token stop);
  void read_new_entries();

  store::Store& store_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::deque<TaskEvent> events_;
  std::set<std::string> ended_;  // actors suspended or offboarded (there is no way back)
  std::uint64_t read_to_;
  mutable std::size_t listeners_ = 0;
  mutable std::condition_variable_any wake_;
  std::jthread reader_;  // last: stops and joins before the state above goes
};

// The body of GET /v1/events: `event: task`, `id: <ledger index>`, `data:
// {"task","kind","ledger_index"}` per event after `from`, and a comment
// line when nothing was sent for kHeartbeat, so proxies and clients see
// the stream alive. It ends once `still_admitted` says no (asked at most
// every kRecheck): a listener admitted once is not admitted for ever (a
// session that ended, an actor suspended).
std::shared_ptr<BodyStream> task_event_stream(const TaskEventFeed& feed, std::uint64_t from,
                                              std::function<bool()> still_admitted);
inline constexpr std::chrono::seconds kHeartbeat{15};
inline constexpr std::chrono::seconds kRecheck{1};

}  // namespace mandate::server
