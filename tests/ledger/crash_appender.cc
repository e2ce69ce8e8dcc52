// Child process for the crash test: appends from several threads and reports
// on stdout, per append, "appending ROUND WRITER SEQ" just before calling
// Ledger::append and "acked INDEX ROUND WRITER SEQ" only after it returned,
// i.e. after the entry is durable. The test kills it with SIGKILL; a writer
// whose last line is "appending" was inside an append when the kill landed.
// With a fourth argument "groups", each append is a group of 1 to 7 entries
// (Ledger::append_group, data.part of data.of) and "acked" names its first.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "home/home.h"

namespace {

// One write(2) per line: a pipe write under PIPE_BUF is atomic, so lines of
// different writers never interleave.
void say(const std::string& line) {
  if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::_Exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && !(argc == 5 && std::string(argv[4]) == "groups")) {
    std::fprintf(stderr, "usage: crash_appender HOME THREADS ROUND [groups]\n");
    return 2;
  }
  const bool groups = argc == 5;
  auto home = mandate::home::Home::open(argv[1]);
  const int threads = std::atoi(argv[2]);
  const std::string round = argv[3];
  std::vector<std::jthread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&home, t, &round, groups] {
      for (long seq = 0;; ++seq) {
        const std::string who = round + " " + std::to_string(t) + " " + std::to_string(seq);
        mandate::ledger::EntryDraft draft;
        draft.type = "test.crash";
        draft.actor = {"writer-" + std::to_string(t), "workload", ""};
        draft.data = {{"round", round}, {"writer", t}, {"seq", seq}};
        if (!groups) {
          say("appending " + who + "\n");
          const std::uint64_t index = home->ledger().append(draft);
          say("acked " + std::to_string(index) + " " + who + "\n");
          continue;
        }
        const long of = 1 + seq % 7;
        std::vector<mandate::ledger::EncodedEntry> group;
        for (long part = 0; part < of; ++part) {
          draft.data["part"] = part;
          draft.data["of"] = of;
          group.push_back(*mandate::ledger::encode_entry(draft));
        }
        say("appending " + who + "\n");
        const std::uint64_t first = home->ledger().append_group(group);
        say("acked " + std::to_string(first) + " " + who + "\n");
      }
    });
  }
  return 0;
}
