#include "ingest/importer.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "ingest/detect_source.h"

namespace mandate::ingest {

namespace {

std::string source_names() {
  std::string names;
  for (const SourceKind k : all_source_kinds()) names += (names.empty() ? "" : ", ") + std::string(to_string(k));
  return names;
}

// Events go to the store in batches of this many: large enough that the
// hand-over costs nothing, small enough that storing starts early.
constexpr std::size_t kBatch = 1024;

// Why `name` cannot be imported, if it cannot; its report otherwise, its
// events having gone to `ready` as they were parsed. A refused file never
// has an event to hand over.
std::optional<std::string> refusal_of(std::optional<SourceKind> wanted, const std::string& path,
                                      const std::string& name, ParsedInput& parsed, const EventsReady& ready) {
  SourceKind kind{};
  try {
    const SourceText text = read_source(path);
    const auto found = wanted ? wanted : detect_source(text, name);
    if (!found) return name + ": no source that mandate reads recognises its records (tried " + source_names() + ")";
    kind = *found;
    parsed = parse_source(kind, text, name, kBatch, ready);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::bad_input && e.kind() != ErrorKind::io) throw;
    return e.what();
  }
  if (parsed.report.events == 0 && parsed.report.malformed > 0) {
    const auto& first = parsed.report.malformed_examples.front();
    return first.where + ": " + first.reason + " (no record of " + name + " could be read as " +
           std::string(to_string(kind)) + ")";
  }
  return std::nullopt;
}

// Parsed events on their way from the parsing thread to the store, in
// order. Bounded, so parsing runs only a few batches ahead of the store and
// a large import is not all in memory at once.
class ParsedFiles {
 public:
  // False once the store has stopped taking events (it failed).
  bool put(std::vector<core::AuditEvent> events) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return abandoned_ || ready_.size() < kAhead; });
    if (abandoned_) return false;
    ready_.push_back(std::move(events));
    changed_.notify_all();
    return true;
  }

  // No more files; `failure` (if any) is thrown to the store instead of the end.
  void close(std::exception_ptr failure) {
    std::lock_guard lock(mu_);
    closed_ = true;
    failure_ = std::move(failure);
    changed_.notify_all();
  }

  void abandon() {
    std::lock_guard lock(mu_);
    abandoned_ = true;
    changed_.notify_all();
  }

  // The next batch; empty after the last.
  std::vector<core::AuditEvent> take() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return closed_ || !ready_.empty(); });
    if (ready_.empty()) {
      if (failure_) std::rethrow_exception(failure_);
      return {};
    }
    auto events = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return events;
  }

 private:
  static constexpr std::size_t kAhead = 4;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::vector<core::AuditEvent>> ready_;
  bool closed_ = false;
  bool abandoned_ = false;
  std::exception_ptr failure_;
};

// Thrown through the parser when the store has stopped taking events.
struct StoreStopped {};

// Parses every file in order (on its own thread), hands the events of the
// good ones to `files` as they are parsed, and fills `report`. Throws what
// must end the import: a refused file under all_or_nothing, every file
// refused, or an error that is no refusal.
void parse_files(std::optional<SourceKind> kind, std::span<const std::string> paths, ImportMode mode,
                 ParsedFiles& files, ImportReport& report) {
  const EventsReady ready = [&](std::vector<core::AuditEvent>&& events) {
    // An empty batch would tell the store that there are no more.
    if (!events.empty() && !files.put(std::move(events))) throw StoreStopped{};
  };
  for (const std::string& path : paths) {
    const std::string name = path == "-" ? "<stdin>" : path;
    ParsedInput parsed;
    try {
      if (auto why = refusal_of(kind, path, name, parsed, ready)) {
        if (mode == ImportMode::all_or_nothing) fail(ErrorKind::bad_input, *why + "; nothing was imported (--atomic)");
        report.refused.push_back({name, std::move(*why)});
        continue;
      }
    } catch (const StoreStopped&) {
      return;
    }
    report.files.push_back(std::move(parsed.report));
  }
  if (report.files.empty()) {
    const RefusedFile& first = report.refused.front();
    fail(ErrorKind::bad_input, report.refused.size() == 1
                                   ? first.reason + "; nothing was imported"
                                   : "none of the " + std::to_string(report.refused.size()) +
                                         " files could be imported (the first: " + first.reason + "); nothing was imported");
  }
}

}  // namespace

// One thread parses while this one stores: on two cores the parse of the
// next batch overlaps the insert of the last, inside the one transaction the
// store commits (durably) after the last file. A failure on either side
// ends both and stores nothing.
ImportReport import_files(std::optional<SourceKind> kind, std::span<const std::string> paths,
                          store::EventStore& store, ImportMode mode) {
  if (paths.empty()) fail(ErrorKind::bad_input, "no file to import");
  ImportReport report;
  ParsedFiles files;
  std::thread parser([&] {
    std::exception_ptr failure;
    try {
      parse_files(kind, paths, mode, files, report);
    } catch (...) {
      failure = std::current_exception();
    }
    files.close(std::move(failure));
  });
  try {
    report.stored = store.add_event_batches([&] { return files.take(); });
  } catch (...) {
    files.abandon();
    parser.join();
    throw;
  }
  parser.join();
  return report;
}

}  // namespace mandate::ingest
