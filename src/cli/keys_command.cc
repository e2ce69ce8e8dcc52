#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/internal/cli_context.h"
#include "core/error.h"
#include "home/home.h"
#include "ledger/entry.h"

namespace mandate::cli {

void add_keys_commands(CLI::App& app, GlobalOptions& options) {
  auto* keys = app.add_subcommand("keys", "Signing keys (Ed25519)");
  keys->require_subcommand(1);

  keys->add_subcommand("list", "List keys, newest (active) last")->callback([&options] {
    auto home = open_home(options);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& info : home->keys().list()) {
      out.push_back({{"kid", info.kid},
                     {"created", ledger::format_rfc3339(info.created)},
                     {"active", info.active},
                     {"jwk", info.public_jwk}});
    }
    print_json(out);
  });

  keys->add_subcommand("rotate", "Make a new active key; old keys stay for verification")->callback([&options] {
    auto home = open_home(options);
    auto kid = home->keys().rotate();
    if (!kid) fail(ErrorKind::io, kid.error());
    print_json({{"kid", *kid}, {"verifier_key", home->active_verifier().to_string()}});
  });

  keys->add_subcommand("export-jwks", "Print the public keys as a JWK Set (RFC 7517, RFC 8037)")->callback([&options] {
    print_json(open_home(options)->keys().jwks());
  });
}

}  // namespace mandate::cli
