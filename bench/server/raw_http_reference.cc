// The floor of an HTTP/1.1 keep-alive answer on this machine: a fixed
// response, with the same head as mandate's /healthz, from raw epoll loops
// (one per thread, each with its own SO_REUSEPORT listener, no strands, no
// allocations per request). bench/server/http_floor.sh measures it beside
// mandate's /healthz in the same run, so that the cost of mandate's HTTP
// path (Boost.Beast and Asio) can be read against what the kernel and the
// sockets alone cost.
//
//   raw_http_reference [threads]   prints "port N" once listening; runs until killed
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

constexpr std::size_t kMostHead = 16 * 1024;  // as mandate's request-head limit
constexpr long kMostBody = 1024 * 1024;       // as mandate's request-body limit
constexpr std::string_view kAnswer =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: no-store\r\n"
    "X-Request-ID: 000000000000-00000\r\nContent-Security-Policy: frame-ancestors 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\nContent-Length: 3\r\n\r\nok\n";

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {
    if (fd_ < 0) throw std::runtime_error(std::string("socket call failed: ") + std::strerror(errno));
  }
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::unique_ptr<Fd> listen_on(std::uint16_t port) {
  auto owned = std::make_unique<Fd>(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const Fd& fd = *owned;
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd.get(), 1024) != 0) {
    throw std::runtime_error(std::string("cannot listen: ") + std::strerror(errno));
  }
  return owned;
}

std::uint16_t port_of(const Fd& fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// The body's length from a request head ("content-length", any case);
// 0 without one; -1 when it is not a number or is over kMostBody (the
// connection is then closed).
long body_length(std::string_view head) {
  constexpr std::string_view kName = "\r\ncontent-length:";
  for (std::size_t at = 0; (at = head.find("\r\n", at)) != std::string_view::npos; at += 2) {
    if (head.size() - at < kName.size()) break;
    bool same = true;
    for (std::size_t i = 0; i < kName.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(head[at + i])) == kName[i];
    }
    if (!same) continue;
    const char* start = head.data() + at + kName.size();
    char* end = nullptr;
    const long n = std::strtol(start, &end, 10);
    return end == start || n < 0 || n > kMostBody ? -1 : n;
  }
  return 0;
}

// One connection's unread bytes; false when it must close.
bool serve_ready(int fd, std::string& pending) {
  std::array<char, 16 * 1024> buf;
  for (;;) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return errno == EINTR;
    }
    pending.append(buf.data(), static_cast<std::size_t>(n));
  }
  // Every whole request read is answered (wrk sends one at a time; a
  // pipelining client gets its answers in one write).
  std::string out;
  bool keep = true;
  for (;;) {
    const std::size_t end = pending.find("\r\n\r\n");
    if (end == std::string::npos) {
      keep = pending.size() <= kMostHead;
      break;
    }
    const long body = body_length(std::string_view(pending).substr(0, end + 2));
    if (body < 0) return false;
    const std::size_t whole = end + 4 + static_cast<std::size_t>(body);
    if (pending.size() < whole) break;
    pending.erase(0, whole);
    out.append(kAnswer);
  }
  // An answer of a few hundred bytes fits the socket's buffer; a short
  // write would mean a client that stopped reading, and it is closed.
  if (!out.empty() && ::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) return false;
  return keep;
}

void run_loop(const Fd& listener) {
  Fd poll(::epoll_create1(EPOLL_CLOEXEC));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener.get();
  ::epoll_ctl(poll.get(), EPOLL_CTL_ADD, listener.get(), &ev);
  std::unordered_map<int, std::pair<std::unique_ptr<Fd>, std::string>> connections;
  std::array<epoll_event, 256> ready;
  for (;;) {
    const int n = ::epoll_wait(poll.get(), ready.data(), static_cast<int>(ready.size()), -1);
    for (int i = 0; i < n; ++i) {
      const int fd = ready[static_cast<std::size_t>(i)].data.fd;
      if (fd == listener.get()) {
        for (int c; (c = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
          const int one = 1;
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
          cev.data.fd = c;
          ::epoll_ctl(poll.get(), EPOLL_CTL_ADD, c, &cev);
          connections.emplace(c, std::make_pair(std::make_unique<Fd>(c), std::string()));
        }
        continue;
      }
      auto it = connections.find(fd);
      if (it != connections.end() && !serve_ready(fd, it->second.second)) connections.erase(it);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    if (threads < 1 || threads > 64) throw std::runtime_error("threads: 1 to 64");
    // The first listener picks the port; the others share it (SO_REUSEPORT).
    // All listen before the port is printed.
    std::vector<std::unique_ptr<Fd>> listeners;
    listeners.push_back(listen_on(0));
    const std::uint16_t port = port_of(*listeners.front());
    for (int i = 1; i < threads; ++i) listeners.push_back(listen_on(port));
    std::vector<std::jthread> loops;
    for (const auto& listener : listeners) {
      loops.emplace_back([&listener] {
        try {
          run_loop(*listener);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "raw_http_reference: %s\n", e.what());
          std::_Exit(1);
        }
      });
    }
    std::printf("port %u\n", static_cast<unsigned>(port));
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "raw_http_reference: %s\n", e.what());
    return 1;
  }
}
