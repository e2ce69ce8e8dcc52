#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// Every connection holds a file descriptor, so the process's open-file
// limit caps how many connections the server can hold. Out of descriptors,
// accept() fails and the server can no longer answer anyone (health checks
// included): better to know the cap at start and refuse connections beyond
// it than to discover it under load.
#include <cstddef>
#include <string>

namespace mandate::server {

struct OpenFileLimit {
  std::size_t soft = 0;  // what the process may open now
  std::size_t hard = 0;  // the most the soft limit may be raised to
};

// Raises the soft RLIMIT_NOFILE to the hard limit (where the kernel allows)
// and returns the limit in force after that.
OpenFileLimit raise_open_file_limit();

// Descriptors the process holds now (store, log, keys, listener).
std::size_t open_descriptors();

// How many connections fit under `soft` with `in_use` descriptors already
// held, keeping a reserve for what requests open besides their socket
// (the store's files, key and JWKS fetches, the access log). 0 when none fit.
std::size_t connections_that_fit(std::size_t soft, std::size_t in_use);

// max_connections adjusted to what fits: unchanged when it fits; else the
// number that fits, with `warning` saying so (empty when unchanged).
std::size_t fit_max_connections(std::size_t configured, std::size_t soft, std::size_t in_use, std::string& warning);

}  // namespace mandate::server
