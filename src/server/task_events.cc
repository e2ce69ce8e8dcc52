#include "server/internal/task_events.h"

#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "encoding/json.h"
#include "store/store.h"

namespace mandate::server {
namespace {

// One read of an entry's canonical bytes: the task it is about (entries
// about no task, e.g. rules or policies, have none), and the actor whose
// standing it ended (actor.suspended, actor.offboarded).
void read_row(const store::LedgerRow& row, std::vector<TaskEvent>& found, std::vector<std::string>& ended) {
  // Many other entries are about no task (rules, policies, actors, general
  // decisions). An entry's bytes are canonical JSON (RFC 8785: no
  // whitespace), so one with refs.task holds the text "task": and one
  // without it cannot be about a task; parsing it would cost more than
  // everything else the server does for it.
  const bool ends_standing = row.type == "actor.suspended" || row.type == "actor.offboarded";
  if (!ends_standing && row.body.find("\"task\":") == std::string::npos) return;
  if (auto task = encoding::string_at_pointer(row.body, "/refs/task")) found.push_back(TaskEvent{row.index, std::move(*task), row.type});
  if (ends_standing) {
    if (auto actor = encoding::string_at_pointer(row.body, "/refs/actor")) ended.push_back(std::move(*actor));
  }
}

class TaskEventStream final : public BodyStream {
 public:
  TaskEventStream(const TaskEventFeed& feed, std::uint64_t from, std::function<bool()> still_admitted)
      : feed_(feed), listening_(feed), next_(from), still_admitted_(std::move(still_admitted)) {}

  std::optional<std::string> next() override {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check_ >= kRecheck) {
      if (!still_admitted_()) return std::nullopt;
      last_check_ = now;
    }
    std::string out;
    if (!greeted_) {
      // Reconnect after 3 s; the comment shows the stream open at once.
      out = "retry: 3000\n: task events from ledger index " + std::to_string(next_) + "\n\n";
      greeted_ = true;
    }
    for (const TaskEvent& e : feed_.since(next_, kBatch)) {
      const nlohmann::json data = {{"task", e.task}, {"kind", e.kind}, {"ledger_index", e.ledger_index}};
      out += "event: task\nid: " + std::to_string(e.ledger_index) + "\ndata: " + data.dump() + "\n\n";
      next_ = e.ledger_index + 1;
    }
    if (out.empty() && now - last_sent_ >= kHeartbeat) out = ": heartbeat\n\n";
    if (!out.empty()) last_sent_ = now;
    return out;
  }

 private:
  static constexpr std::size_t kBatch = 256;
  const TaskEventFeed& feed_;
  TaskEventFeed::Listening listening_;
  std::uint64_t next_;
  std::function<bool()> still_admitted_;
  bool greeted_ = false;
  std::chrono::steady_clock::time_point last_sent_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_check_ = std::chrono::steady_clock::now();
};

// Where the reader starts: kKept entries before the ledger's end, so that
// a client that reconnects after a restart can resume.
std::uint64_t backlog_start(std::uint64_t size) { return size > TaskEventFeed::kKept ? size - TaskEventFeed::kKept : 0; }

}  // namespace

TaskEventFeed::TaskEventFeed(store::Store& store, std::chrono::milliseconds interval)
    : store_(store),
      interval_(interval),
      read_to_(backlog_start(store.ledger_size())),
      reader_([this](std::stop_token stop) { run(std::move(stop)); }) {}

TaskEventFeed::~TaskEventFeed() { reader_.request_stop(); }  // wakes the reader's wait at once

TaskEventFeed::Listening::Listening(const TaskEventFeed& feed) : feed_(feed) {
  std::lock_guard lock(feed_.mu_);
  if (feed_.listeners_++ == 0) feed_.wake_.notify_all();
}

TaskEventFeed::Listening::~Listening() {
  std::lock_guard lock(feed_.mu_);
  --feed_.listeners_;
}

void TaskEventFeed::run(std::stop_token stop) {
  bool failing = false;
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    if (!wake_.wait(lock, stop, [this] { return listeners_ > 0; })) break;
    lock.unlock();
    try {
      read_new_entries();
      failing = false;
    } catch (const std::exception& e) {
      // The store failing now (disk, a damaged file) is /readyz's to report;
      // the feed says so once and tries again at each tick.
      if (!failing) {
        std::cerr << nlohmann::json{{"event", "task_events"}, {"message", std::string("cannot read the ledger: ") + e.what()}}.dump()
                  << std::endl;
      }
      failing = true;
    }
    lock.lock();
    wake_.wait_for(lock, stop, interval_, [] { return false; });
  }
}

void TaskEventFeed::read_new_entries() {
  const std::uint64_t size = store_.ledger_size();
  std::uint64_t from = 0;
  {
    std::lock_guard lock(mu_);
    from = std::max(read_to_, size > kCatchUp ? size - kCatchUp : 0);
  }
  if (size <= from) return;
  std::vector<TaskEvent> found;
  std::vector<std::string> ended;
  // AuthZEN's decisions and searches end no standing either: the store
  // leaves them out of the scan.
  store_.scan_ledger_bodies(from, size, broker::kEntryTypesAboutNoTask, [&](const store::LedgerRow& row) {
    read_row(row, found, ended);
    return true;
  });
  std::lock_guard lock(mu_);
  ended_.insert(ended.begin(), ended.end());
  for (auto& e : found) events_.push_back(std::move(e));
  while (events_.size() > kKept) events_.pop_front();
  read_to_ = size;
}

std::vector<TaskEvent> TaskEventFeed::since(std::uint64_t from, std::size_t max) const {
  std::lock_guard lock(mu_);
  std::vector<TaskEvent> out;
  auto it = std::lower_bound(events_.begin(), events_.end(), from,
                             [](const TaskEvent& e, std::uint64_t index) { return e.ledger_index < index; });
  for (; it != events_.end() && out.size() < max; ++it) out.push_back(*it);
  return out;
}

bool TaskEventFeed::standing_ended(const std::string& actor) const {
  std::lock_guard lock(mu_);
  return ended_.contains(actor);
}

std::uint64_t TaskEventFeed::start_for_new_listener() const {
  // Not read_to_: with nobody listening the reader may be far behind, and
  // a new listener hears what is appended from now on.
  return store_.ledger_size();
}

std::shared_ptr<BodyStream> task_event_stream(const TaskEventFeed& feed, std::uint64_t from,
                                              std::function<bool()> still_admitted) {
  return std::make_shared<TaskEventStream>(feed, from, std::move(still_admitted));
}

}  // namespace mandate::server
