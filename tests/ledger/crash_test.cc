// Kills a process that appends concurrently with SIGKILL at random moments;
// after each kill the ledger must verify and hold every append that had
// returned to the killed process, and nothing that was never asked for.
//
// The child's stdout is drained while it runs: were it read only after the
// kill, the pipe would fill after a few thousand lines, every writer would
// block on its report, and the kill would land with no append in flight.
// The child says "appending" before each append and "acked" after it, so the
// test counts the kills that caught an append in progress and requires that
// some did, and that some landed before the interrupted append's commit.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "home/home.h"
#include "ledger/verify.h"
#include "support/process.h"

namespace mandate::testing {
namespace {

struct Append {
  int writer = 0;
  long seq = 0;
  friend auto operator<=>(const Append&, const Append&) = default;
};

// What the child reported before it died.
struct Reported {
  std::map<Append, std::uint64_t> acked;  // append -> index the ledger gave it
  std::set<Append> in_flight;             // announced, never acknowledged
  std::set<Append> announced;             // every "appending" line
};

Reported parse(const std::string& output, const std::string& round) {
  Reported out;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    // Lines are written whole (one write(2) each), so a line without its
    // newline cannot happen; should it, it counts for nothing.
    if (lines.eof()) break;
    std::istringstream fields(line);
    std::string what, line_round;
    Append a;
    std::uint64_t index = 0;
    fields >> what;
    if (what == "acked") fields >> index;
    fields >> line_round >> a.writer >> a.seq;
    EXPECT_TRUE(fields && line_round == round && (what == "appending" || what == "acked")) << "bad line: " << line;
    if (what == "appending") {
      out.announced.insert(a);
      out.in_flight.insert(a);
    } else {
      EXPECT_EQ(out.in_flight.erase(a), 1u) << "acknowledged without being announced: " << line;
      out.acked[a] = index;
    }
  }
  return out;
}

// Starts the appender, drains its stdout while it runs for `run_for`, kills
// it, and returns what it reported before dying.
Reported run_and_kill(const std::string& home, int threads, const std::string& round,
                      std::chrono::milliseconds run_for, bool groups = false) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    const std::string count = std::to_string(threads);
    if (groups) {
      execl(CRASH_APPENDER, CRASH_APPENDER, home.c_str(), count.c_str(), round.c_str(), "groups", nullptr);
    } else {
      execl(CRASH_APPENDER, CRASH_APPENDER, home.c_str(), count.c_str(), round.c_str(), nullptr);
    }
    _exit(127);
  }
  close(fds[1]);
  std::string output;
  {
    // Reads until every write end is closed, i.e. until the child is dead.
    std::jthread reader([&output, fd = fds[0]] {
      char buf[65536];
      for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) output.append(buf, static_cast<std::size_t>(n));
    });
    std::this_thread::sleep_for(run_for);
    kill(pid, SIGKILL);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "appender exited on its own: " << status;
  return parse(output, round);
}

// A fresh home for the appender, and a random seed the failure messages name.
class CrashTest : public ::testing::Test {
 protected:
  CrashTest() { home::Home::init(home, "crash.test/mandate"); }

  TempDir tmp;
  const std::string home = (tmp / "home").string();
  const unsigned seed = std::random_device{}();
  std::mt19937 rng{seed};
};

TEST_F(CrashTest, EveryAcknowledgedAppendSurvivesSigkill) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::size_t total_acked = 0;
  int kills_mid_append = 0;           // rounds whose kill caught at least one append in progress
  std::size_t in_flight_lost = 0;     // of those appends, how many never reached the file
  std::size_t in_flight_kept = 0;     // ... and how many did (committed, not yet acknowledged)
  std::uint64_t size_before = 0;
  // Eight rounds at least; more (up to 40) until a kill has landed before an
  // interrupted append's commit: on a loaded machine the child can be
  // descheduled so that eight kills all fall between commit and report.
  int round = 0;
  for (; round < 8 || (in_flight_lost == 0 && round < 40); ++round) {
    const int threads = round % 2 == 0 ? 8 : 2;
    const auto run_for = std::chrono::milliseconds(std::uniform_int_distribution<int>(80, 400)(rng));
    const std::string name = "r" + std::to_string(round);
    const Reported reported = run_and_kill(home, threads, name, run_for);
    total_acked += reported.acked.size();
    if (!reported.in_flight.empty()) ++kills_mid_append;

    auto reopened = home::Home::open(home);
    const auto report = ledger::verify_ledger(reopened->store(), reopened->config().origin, reopened->verifiers());
    ASSERT_TRUE(report.ok) << "round " << round << ": " << report.problem;
    for (const auto& [a, index] : reported.acked) {
      ASSERT_LT(index, report.size) << "round " << round << ": acknowledged entry lost";
      const std::string body = reopened->ledger().entry_bytes(index);
      const std::string expected = "\"data\":{\"round\":\"" + name + "\",\"seq\":" + std::to_string(a.seq) +
                                   ",\"writer\":" + std::to_string(a.writer) + "}";
      ASSERT_NE(body.find(expected), std::string::npos) << "entry " << index << " is " << body;
    }
    // Every entry this round added was announced by the child, once; the
    // ones beyond the acknowledged are appends the kill interrupted.
    std::set<Append> found;
    for (std::uint64_t i = size_before; i < report.size; ++i) {
      const auto entry = nlohmann::json::parse(reopened->ledger().entry_bytes(i));
      ASSERT_EQ(entry.at("type"), "test.crash") << "entry " << i;
      ASSERT_EQ(entry.at("data").at("round"), name) << "entry " << i;
      const Append a{entry.at("data").at("writer").get<int>(), entry.at("data").at("seq").get<long>()};
      ASSERT_TRUE(reported.announced.contains(a)) << "entry " << i << " was never asked for";
      ASSERT_TRUE(found.insert(a).second) << "entry " << i << " is there twice";
    }
    for (const auto& entry : reported.acked) ASSERT_TRUE(found.contains(entry.first));
    const std::size_t kept = found.size() - reported.acked.size();  // the rest were in flight
    in_flight_kept += kept;
    in_flight_lost += reported.in_flight.size() - kept;
    reopened->sign_checkpoint();
    size_before = report.size;
  }
  std::cout << "acknowledged appends checked after kills: " << total_acked << "; kills that caught an append in "
            << "progress: " << kills_mid_append << " of " << round << " (interrupted appends committed: " << in_flight_kept
            << ", not committed: " << in_flight_lost << ")\n";
  EXPECT_GT(total_acked, 0u) << "the appender never acknowledged anything";
  EXPECT_GT(kills_mid_append, 0) << "no kill landed while an append was in progress";
  // An interrupted append whose entry is absent was killed before its commit
  // reached the file: the kill landed inside Ledger::append, not in the
  // report after it (a writer blocked on a full pipe would show only
  // committed ones).
  EXPECT_GT(in_flight_lost, 0u) << "no kill landed before an interrupted append's commit";
}

// The same with groups of entries (an AuthZEN batch's decisions): every
// acknowledged group is there whole, at consecutive indices from the one
// acknowledged, and an interrupted group is there whole or not at all.
TEST_F(CrashTest, EveryAcknowledgedGroupSurvivesSigkillWhole) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::size_t groups_acked = 0, groups_in_flight = 0;
  std::uint64_t size_before = 0;
  for (int round = 0; round < 6; ++round) {
    const auto run_for = std::chrono::milliseconds(std::uniform_int_distribution<int>(80, 300)(rng));
    const std::string name = "g" + std::to_string(round);
    const Reported reported = run_and_kill(home, round % 2 == 0 ? 8 : 2, name, run_for, true);
    groups_acked += reported.acked.size();
    groups_in_flight += reported.in_flight.size();

    auto reopened = home::Home::open(home);
    const auto report = ledger::verify_ledger(reopened->store(), reopened->config().origin, reopened->verifiers());
    ASSERT_TRUE(report.ok) << "round " << round << ": " << report.problem;
    // Each group present, by its first index; every part in order after it.
    std::map<Append, std::uint64_t> present;
    for (std::uint64_t i = size_before; i < report.size;) {
      const auto first = nlohmann::json::parse(reopened->ledger().entry_bytes(i)).at("data");
      ASSERT_EQ(first.at("round"), name) << "entry " << i;
      ASSERT_EQ(first.at("part"), 0) << "entry " << i << " starts no group: a group was cut";
      const Append a{first.at("writer").get<int>(), first.at("seq").get<long>()};
      const long of = first.at("of").get<long>();
      ASSERT_TRUE(reported.announced.contains(a)) << "entry " << i << " was never asked for";
      ASSERT_TRUE(present.emplace(a, i).second) << "group at " << i << " is there twice";
      for (long part = 1; part < of; ++part) {
        ASSERT_LT(i + static_cast<std::uint64_t>(part), report.size) << "the group at " << i << " is cut short";
        const auto data = nlohmann::json::parse(reopened->ledger().entry_bytes(i + static_cast<std::uint64_t>(part))).at("data");
        ASSERT_EQ(data.at("writer"), a.writer);
        ASSERT_EQ(data.at("seq"), a.seq);
        ASSERT_EQ(data.at("part"), part) << "entry " << i + static_cast<std::uint64_t>(part);
      }
      i += static_cast<std::uint64_t>(of);
    }
    for (const auto& [a, index] : reported.acked) {
      ASSERT_TRUE(present.contains(a)) << "round " << round << ": an acknowledged group was lost";
      ASSERT_EQ(present.at(a), index) << "an acknowledged group is not where it was acknowledged";
    }
    reopened->sign_checkpoint();
    size_before = report.size;
  }
  std::cout << "acknowledged groups checked after kills: " << groups_acked << "; interrupted: " << groups_in_flight << "\n";
  EXPECT_GT(groups_acked, 0u);
}

}  // namespace
}  // namespace mandate::testing
