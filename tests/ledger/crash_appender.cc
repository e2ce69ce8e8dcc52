// Child process for the crash test: appends from several threads and reports
// on stdout, per append, "appending ROUND WRITER SEQ" just before calling
// Ledger::append and "acked INDEX ROUND WRITER SEQ" only after it returned,
// i.e. after the entry is durable. The test kills it with SIGKILL; a writer
// whose last line is "appending" was inside an append when the kill landed.
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
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_appender HOME THREADS ROUND\n");
    return 2;
  }
  auto home = mandate::home::Home::open(argv[1]);
  const int threads = std::atoi(argv[2]);
  const std::string round = argv[3];
  std::vector<std::jthread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&home, t, &round] {
      for (long seq = 0;; ++seq) {
        const std::string who = round + " " + std::to_string(t) + " " + std::to_string(seq);
        mandate::ledger::EntryDraft draft;
        draft.type = "test.crash";
        draft.actor = {"writer-" + std::to_string(t), "workload", ""};
        draft.data = {{"round", round}, {"writer", t}, {"seq", seq}};
        say("appending " + who + "\n");
        const std::uint64_t index = home->ledger().append(draft);
        say("acked " + std::to_string(index) + " " + who + "\n");
      }
    });
  }
  return 0;
}
