#pragma once
// `mandate serve`: validate the config, open the home, listen, and serve
// until SIGTERM/SIGINT, then drain. Everything acknowledged was durable
// before its answer left (the broker commits before it returns), so the
// drain loses nothing. SIGHUP (and [keys] reload_interval) re-reads HOME/keys.
#include <filesystem>
#include <iosfwd>

namespace mandate::server {

// Prints one JSON line to `announce` once listening:
// {"listening":"127.0.0.1:8443","tls":true}. Throws Error{bad_input} for a
// bad config (before binding anything).
void serve(const std::filesystem::path& config_file, std::ostream& announce);

}  // namespace mandate::server
