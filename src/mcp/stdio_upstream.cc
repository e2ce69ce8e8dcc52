// The stdio transport: one child process per StdioUpstream at a time.
#include "mcp/internal/stdio_upstream.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

#include "core/error.h"
#include "mcp/internal/session.h"

extern char** environ;

namespace mandate::mcp {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The variables a server inherits from the gateway (the MCP SDK's
// DEFAULT_INHERITED_ENV_VARS); anything else it gets only from the config.
constexpr const char* kInherited[] = {"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"};
// Longest line accepted from a server's stdout (one JSON-RPC message).
constexpr std::size_t kMaxLine = 64u << 20;
// Longest stderr line copied as one piece.
constexpr std::size_t kMaxLogLine = 4096;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail(ErrorKind::io, std::string("cannot create a pipe: ") + std::strerror(errno));
  return {Fd(fds[0]), Fd(fds[1])};
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

// Writes all of `data` to the non-blocking `fd` by `deadline`. SIGPIPE is
// blocked meanwhile (a dead reader must give EPIPE, not end the gateway)
// and, if this write raised it, taken off again.
bool write_all(int fd, std::string_view data, Clock::time_point deadline) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  sigset_t before;
  sigpending(&before);
  bool ok = true, broken = false;
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n >= 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd p{fd, POLLOUT, 0};
      if (left > 0 && ::poll(&p, 1, static_cast<int>(left)) >= 0) continue;
    }
    broken = errno == EPIPE;
    ok = false;
    break;
  }
  if (broken && !sigismember(&before, SIGPIPE)) {
    const timespec zero{};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return ok;
}

}  // namespace

// One server process: its pipes, its reader threads and the requests
// waiting for its answers.
class StdioChild {
 public:
  explicit StdioChild(const UpstreamServer& server);
  ~StdioChild();
  StdioChild(const StdioChild&) = delete;
  StdioChild& operator=(const StdioChild&) = delete;

  RpcOutcome call(std::int64_t id, const std::string& method, const json& params, std::chrono::milliseconds timeout);
  void send(const json& message, Clock::time_point deadline);
  bool dead() const {
    std::lock_guard lock(mutex_);
    return dead_;
  }
  pid_t pid() const { return pid_; }

 private:
  struct Slot {
    bool done = false;
    RpcOutcome outcome;
  };
  void read_loop();
  void log_loop();
  void handle_line(std::string_view line);
  void die(const std::string& why);
  // waitpid without blocking; true once reaped. Signals go only to a
  // process not yet reaped (its pid could be reused afterwards).
  bool try_reap();
  void signal(int sig);
  void wait_reaped(std::chrono::milliseconds patience);

  std::string name_;
  std::string who_;
  pid_t pid_ = -1;
  Fd in_, out_, err_, wake_read_, wake_write_;

  std::mutex write_mutex_;  // one message at a time on stdin; guards in_
  mutable std::mutex mutex_;  // guards pending_, dead_, why_
  std::condition_variable answered_;
  std::map<std::int64_t, Slot*> pending_;
  bool dead_ = false;
  std::string why_;

  std::mutex reap_mutex_;  // guards reaped_, status_
  bool reaped_ = false;
  int status_ = 0;

  std::thread reader_, logger_;
};

StdioChild::StdioChild(const UpstreamServer& server) : name_(server.name), who_(describe(server.name)) {
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe(), wake = make_pipe();

  std::vector<std::string> env_strings;
  for (const char* key : kInherited) {
    const bool overridden = std::any_of(server.environment.begin(), server.environment.end(), [&](const auto& kv) { return kv.first == key; });
    if (const char* value = std::getenv(key); value != nullptr && !overridden) env_strings.push_back(std::string(key) + "=" + value);
  }
  for (const auto& [key, value] : server.environment) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = server.command;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, in.read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  // Nothing else of the gateway's (its listening socket, the database,
  // other servers' pipes) reaches the server, CLOEXEC or not.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!server.working_directory.empty()) posix_spawn_file_actions_addchdir_np(&actions, server.working_directory.c_str());
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const int rc = posix_spawnp(&pid_, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    pid_ = -1;
    fail(ErrorKind::io, "cannot start " + who_ + " (" + server.command.front() + "): " + std::strerror(rc));
  }
  in_ = std::move(in.write);
  out_ = std::move(out.read);
  err_ = std::move(err.read);
  wake_read_ = std::move(wake.read);
  wake_write_ = std::move(wake.write);
  fcntl(in_.get(), F_SETFL, fcntl(in_.get(), F_GETFL) | O_NONBLOCK);
  // The child's ends close here (in, out, err go out of scope).
  reader_ = std::thread([this] { read_loop(); });
  logger_ = std::thread([this] { log_loop(); });
}

StdioChild::~StdioChild() {
  {
    std::lock_guard lock(write_mutex_);
    in_.reset();  // EOF on its stdin: a well-behaved server exits
  }
  wait_reaped(std::chrono::milliseconds(500));
  signal(SIGTERM);
  wait_reaped(std::chrono::milliseconds(1000));
  signal(SIGKILL);
  wait_reaped(std::chrono::hours(1));  // SIGKILL cannot be refused
  // A grandchild may still hold the pipes: the wake pipe ends the threads.
  const char byte = 0;
  [[maybe_unused]] const ssize_t n = ::write(wake_write_.get(), &byte, 1);
  reader_.join();
  logger_.join();
  die("was stopped");
}

bool StdioChild::try_reap() {
  std::lock_guard lock(reap_mutex_);
  if (reaped_) return true;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_ || (done < 0 && errno == ECHILD)) {
    reaped_ = true;
    status_ = status;
  }
  return reaped_;
}

void StdioChild::signal(int sig) {
  std::lock_guard lock(reap_mutex_);
  if (!reaped_) ::kill(pid_, sig);
}

void StdioChild::wait_reaped(std::chrono::milliseconds patience) {
  const auto deadline = Clock::now() + patience;
  while (!try_reap() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void StdioChild::die(const std::string& why) {
  std::lock_guard lock(mutex_);
  if (dead_) return;
  dead_ = true;
  why_ = why;
  answered_.notify_all();
}

void StdioChild::read_loop() {
  std::string buffer;
  char chunk[65536];
  while (true) {
    pollfd fds[2] = {{out_.get(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) break;
    const ssize_t n = ::read(out_.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      handle_line(std::string_view(buffer).substr(start, nl - start));
    }
    buffer.erase(0, start);
    if (buffer.size() > kMaxLine) {
      die("sent a line longer than " + std::to_string(kMaxLine) + " bytes");
      signal(SIGKILL);
      break;
    }
  }
  // Its stdout closed: it exited (or is about to). Give it a moment to be
  // reaped so the message can say how it ended.
  wait_reaped(std::chrono::milliseconds(200));
  std::string how = "closed its stdout";
  {
    std::lock_guard lock(reap_mutex_);
    if (reaped_) how = describe_status(status_);
  }
  die(how);
}

void StdioChild::handle_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;
  auto message = parse_message(line);
  if (!message) return;  // not a message: nothing to route it to (its log goes to stderr)
  if (const auto* request = std::get_if<Request>(&*message)) {
    try {
      send(answer_server_request(*request), Clock::now() + std::chrono::seconds(5));
    } catch (const Error&) {
      // The process is going away; its reader will notice.
    }
    return;
  }
  std::optional<RequestId> id;
  RpcOutcome outcome;
  if (auto* response = std::get_if<Response>(&*message)) {
    id = response->id;
    outcome.result = std::move(response->result);
  } else if (auto* error = std::get_if<ErrorResponse>(&*message)) {
    id = error->id;
    outcome.error = std::move(error->error);
  } else {
    return;  // a notification (log message, progress): not forwarded
  }
  // The gateway sends integer ids only; anything else answers nobody.
  if (!id || !std::holds_alternative<std::int64_t>(*id)) return;
  std::lock_guard lock(mutex_);
  const auto slot = pending_.find(std::get<std::int64_t>(*id));
  if (slot == pending_.end()) return;  // given up on (timed out) or never asked
  slot->second->outcome = std::move(outcome);
  slot->second->done = true;
  pending_.erase(slot);
  answered_.notify_all();
}

void StdioChild::log_loop() {
  const std::string prefix = "[mcp " + name_ + "] ";
  std::string buffer;
  char chunk[4096];
  const auto emit = [&](std::string_view text) {
    const std::string line = prefix + std::string(text) + "\n";
    [[maybe_unused]] const ssize_t n = ::write(2, line.data(), line.size());  // one write: lines do not interleave
  };
  while (true) {
    pollfd fds[2] = {{err_.get(), POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0 && (fds[0].revents & POLLIN) == 0) break;
    const ssize_t n = ::read(err_.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) emit(std::string_view(buffer).substr(start, nl - start));
    buffer.erase(0, start);
    while (buffer.size() > kMaxLogLine) {
      emit(std::string_view(buffer).substr(0, kMaxLogLine));
      buffer.erase(0, kMaxLogLine);
    }
  }
  if (!buffer.empty()) emit(buffer);
}

void StdioChild::send(const json& message, Clock::time_point deadline) {
  const std::string line = wire(message) + "\n";
  std::lock_guard lock(write_mutex_);
  if (in_.get() < 0 || !write_all(in_.get(), line, deadline)) {
    fail(ErrorKind::io, who_ + ": cannot write to its stdin (it has exited or stopped reading)");
  }
}

RpcOutcome StdioChild::call(std::int64_t id, const std::string& method, const json& params, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Slot slot;
  {
    std::lock_guard lock(mutex_);
    if (dead_) fail(ErrorKind::io, who_ + " " + why_ + " before " + method + " was sent");
    pending_[id] = &slot;
  }
  try {
    send(make_request(id, method, params), deadline);
  } catch (const Error&) {
    std::lock_guard lock(mutex_);
    pending_.erase(id);
    throw;
  }
  std::unique_lock lock(mutex_);
  answered_.wait_until(lock, deadline, [&] { return slot.done || dead_; });
  if (slot.done) return std::move(slot.outcome);
  pending_.erase(id);
  if (dead_) fail(ErrorKind::io, who_ + " " + why_ + " while " + method + " waited for its answer");
  lock.unlock();
  try {  // tell it to stop working on it (MCP cancellation)
    send(make_notification("notifications/cancelled",
                           {{"requestId", id}, {"reason", "the gateway stopped waiting (call_timeout)"}}),
         Clock::now() + std::chrono::seconds(1));
  } catch (const Error&) {
  }
  fail(ErrorKind::io, who_ + " did not answer " + method + " within " +
                          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) + " ms");
}

StdioUpstream::StdioUpstream(UpstreamServer server) : Upstream(server.name), server_(std::move(server)) {
  std::lock_guard lock(mutex_);
  child_ = start();
}

StdioUpstream::~StdioUpstream() {
  std::lock_guard lock(mutex_);
  child_.reset();
}

std::shared_ptr<StdioChild> StdioUpstream::start() {
  auto child = std::make_shared<StdioChild>(server_);
  const RpcOutcome answer = child->call(next_id_++, "initialize", initialize_params(), server_.call_timeout);
  check_initialize(server_.name, answer);
  if (initialize_result_.is_null()) initialize_result_ = answer.result;
  child->send(make_notification("notifications/initialized"), Clock::now() + server_.call_timeout);
  return child;
}

std::shared_ptr<StdioChild> StdioUpstream::running() {
  std::lock_guard lock(mutex_);
  if (child_ && !child_->dead()) return child_;
  child_.reset();  // reaps the dead one (when no request holds it any more)
  child_ = start();
  return child_;
}

RpcOutcome StdioUpstream::request(const std::string& method, const json& params) {
  return running()->call(next_id_++, method, params, server_.call_timeout);
}

void StdioUpstream::notify(const std::string& method, const json& params) {
  running()->send(make_notification(method, params), Clock::now() + server_.call_timeout);
}

pid_t StdioUpstream::pid() const {
  std::lock_guard lock(mutex_);
  return child_ && !child_->dead() ? child_->pid() : -1;
}

}  // namespace mandate::mcp
