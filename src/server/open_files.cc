#include "server/internal/open_files.h"

#include <sys/resource.h>

#include <filesystem>

namespace mandate::server {

namespace {
// Descriptors a request may open besides its connection, across every
// handler thread at once: the store's database, WAL and shared memory,
// JWKS fetches over TLS, key files, the access log. Generous on purpose.
constexpr std::size_t kReserve = 64;

std::size_t clamp_limit(rlim_t value) {
  return value == RLIM_INFINITY ? static_cast<std::size_t>(1) << 20 : static_cast<std::size_t>(value);
}
}  // namespace

OpenFileLimit raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    // Refused (e.g. a hard limit above the kernel's nr_open): keep what we have.
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return {clamp_limit(limit.rlim_cur), clamp_limit(limit.rlim_max)};
}

std::size_t open_descriptors() {
  std::error_code ec;
  std::size_t count = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++count;
  }
  // The iterator's own descriptor was counted; without /proc, assume a few.
  return count > 0 ? count - 1 : 16;
}

std::size_t connections_that_fit(std::size_t soft, std::size_t in_use) {
  const std::size_t taken = in_use + kReserve;
  return soft > taken ? soft - taken : 0;
}

std::size_t fit_max_connections(std::size_t configured, std::size_t soft, std::size_t in_use, std::string& warning) {
  const std::size_t fit = connections_that_fit(soft, in_use);
  warning.clear();
  if (configured <= fit) return configured;
  warning = "limits.max_connections = " + std::to_string(configured) + " does not fit the open-file limit of " +
            std::to_string(soft) + " (" + std::to_string(in_use) + " in use, " + std::to_string(kReserve) +
            " kept for the store, keys and logs): serving at most " + std::to_string(fit) +
            " connections; raise the limit (ulimit -n, systemd LimitNOFILE=) to serve more";
  return fit;
}

}  // namespace mandate::server
