#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// What the server keeps for the browser console when [console] is
// configured: its settings, its sessions, the OpenID provider it signs
// people in with, its pages, and this server's own origin and cookies.
#include <memory>
#include <string>

#include "console/assets.h"
#include "console/config.h"
#include "console/cookies.h"
#include "console/relying_party.h"
#include "console/sessions.h"

namespace mandate::server {

struct ConsoleState {
  ConsoleState(console::ConsoleConfig c, std::string own_origin, bool https, console::ClientSettings client,
               identity::FetchOptions fetch, std::shared_ptr<identity::JwksFetcher> fetcher, console::Assets pages)
      : config(std::move(c)),
        origin(std::move(own_origin)),
        cookies(console::cookies_for(https)),
        sessions(config.session_ttl, config.session_idle_timeout),
        relying_party(std::move(client), std::move(fetch), std::move(fetcher)),
        assets(std::move(pages)) {}

  const console::ConsoleConfig config;
  const std::string origin;  // scheme://host[:port] of the public URL: what Origin must say
  const console::Cookies cookies;
  console::SessionStore sessions;
  console::RelyingParty relying_party;
  const console::Assets assets;
};

}  // namespace mandate::server
