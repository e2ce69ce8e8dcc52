#pragma once
// Runs a program for a test and captures what it printed.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "support/files.h"

namespace mandate::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

RunResult run(const std::vector<std::string>& argv);

// A long-running child (a server): its stdout is read line by line, its
// stderr goes to a file. Still running when the object goes away, it is
// killed and reaped so a failing test leaves no process behind.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::filesystem::path& stderr_file);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The next line of stdout (without the newline), or nothing on timeout or EOF.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; the exit code (128 + signal if killed).
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(10));
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string pending_;
};

}  // namespace mandate::testing
