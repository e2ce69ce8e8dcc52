// Kills a process that appends concurrently with SIGKILL at random moments;
// after each kill the ledger must verify and hold every append that had
// returned to the killed process.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "home/home.h"
#include "ledger/verify.h"
#include "support/process.h"

namespace mandate::testing {
namespace {

struct Reported {
  std::uint64_t index;
  std::string round;
  int writer;
  long seq;
};

// Starts the appender, lets it run for `run_for`, kills it, and returns
// what it reported before dying.
std::vector<Reported> run_and_kill(const std::string& home, int threads, const std::string& round,
                                   std::chrono::milliseconds run_for) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execl(CRASH_APPENDER, CRASH_APPENDER, home.c_str(), std::to_string(threads).c_str(), round.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  std::this_thread::sleep_for(run_for);
  kill(pid, SIGKILL);
  std::string output;
  char buf[65536];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) output.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "appender exited on its own: " << status;

  std::vector<Reported> out;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    // A line cut by the kill is incomplete: only whole lines count.
    if (lines.eof()) break;
    std::istringstream fields(line);
    Reported r{};
    fields >> r.index >> r.round >> r.writer >> r.seq;
    out.push_back(r);
  }
  return out;
}

TEST(CrashTest, EveryAcknowledgedAppendSurvivesSigkill) {
  TempDir tmp;
  const std::string home = (tmp / "home").string();
  home::Home::init(home, "crash.test/mandate");

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::size_t total_reported = 0;
  for (int round = 0; round < 8; ++round) {
    const int threads = round % 2 == 0 ? 8 : 2;
    const auto run_for = std::chrono::milliseconds(std::uniform_int_distribution<int>(80, 400)(rng));
    const auto reported = run_and_kill(home, threads, "r" + std::to_string(round), run_for);
    total_reported += reported.size();

    auto reopened = home::Home::open(home);
    const auto report = ledger::verify_ledger(reopened->store(), reopened->config().origin, reopened->verifiers());
    ASSERT_TRUE(report.ok) << "round " << round << ": " << report.problem;
    for (const Reported& r : reported) {
      ASSERT_LT(r.index, report.size) << "round " << round << ": acknowledged entry lost";
      const std::string body = reopened->ledger().entry_bytes(r.index);
      const std::string expected = "\"data\":{\"round\":\"" + r.round + "\",\"seq\":" + std::to_string(r.seq) +
                                   ",\"writer\":" + std::to_string(r.writer) + "}";
      ASSERT_NE(body.find(expected), std::string::npos) << "entry " << r.index << " is " << body;
    }
    reopened->sign_checkpoint();
  }
  EXPECT_GT(total_reported, 0u) << "the appender never acknowledged anything";
  std::cout << "acknowledged appends checked after kills: " << total_reported << "\n";
}

}  // namespace
}  // namespace mandate::testing
