// Child process for the crash test: appends from several threads and
// reports each append on stdout only after Ledger::append has returned,
// i.e. after the entry is durable. The test kills it with SIGKILL.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "home/home.h"

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
        mandate::ledger::EntryDraft draft;
        draft.type = "test.crash";
        draft.actor = {"writer-" + std::to_string(t), "workload", ""};
        draft.data = {{"round", round}, {"writer", t}, {"seq", seq}};
        const std::uint64_t index = home->ledger().append(draft);
        const std::string line = std::to_string(index) + " " + round + " " + std::to_string(t) + " " +
                                 std::to_string(seq) + "\n";
        // One write(2) per line: a pipe write under PIPE_BUF is atomic.
        if (::write(1, line.data(), line.size()) < 0) std::_Exit(3);
      }
    });
  }
  return 0;
}
