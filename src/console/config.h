#pragma once
// The [console] table of mandate.toml: the browser console's sign-in (an
// OpenID Connect relying party), its sessions, and where its pages come from.
// Plain data; server/config.cc reads it strictly with the rest of the file
// (and the table's change_url_template into ServerConfig, which the
// webhooks use too).
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace mandate::console {

struct ConsoleConfig {
  // One of the [[identity.oidc]] issuers: its entry (keys, CA file, actor
  // claim) verifies the ID token exactly as it verifies a bearer ID token.
  std::string oidc_issuer;
  std::string client_id;  // the ID token's aud must hold it
  // Read from client_secret_file at start: client_secret_basic at the token
  // endpoint. Without one the console is a public client (PKCE only). Never
  // logged, never in an error.
  std::optional<std::string> client_secret;
  std::chrono::seconds session_ttl{std::chrono::hours(8)};
  // A session unused for this long ends too: a browser left open overnight
  // is not signed in the next morning.
  std::chrono::seconds session_idle_timeout{std::chrono::hours(1)};
  // For developing the pages: serve these files instead of the ones built
  // into the binary.
  std::optional<std::filesystem::path> assets_dir;
};

}  // namespace mandate::console
