#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "broker/records.h"
#include "cli/internal/cli_context.h"
#include "core/error.h"
#include "core/time.h"
#include "home/home.h"
#include "ledger/entry.h"

namespace mandate::cli {

namespace {

std::chrono::sys_seconds now_seconds() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

// --activate-at: RFC 3339 UTC, "now", or "now+<duration>" (now+10m) for the
// usual "once every server has had time to get the file". Whole seconds: the
// file name keeps no more, and rounding up never activates early.
std::chrono::sys_seconds parse_activation(const std::string& text) {
  constexpr std::string_view kNowPlus = "now+";
  if (text == "now") return now_seconds();
  if (text.starts_with(kNowPlus)) {
    const auto delay = broker::parse_duration(std::string_view(text).substr(kNowPlus.size()));
    if (!delay) fail(ErrorKind::bad_input, "--activate-at " + text + ": after now+ comes a duration such as 10m or 1h30m");
    return now_seconds() + *delay;
  }
  const auto at = core::parse_timestamp(text);
  if (!at) {
    fail(ErrorKind::bad_input,
         "--activate-at " + text + ": expected an RFC 3339 UTC time (2030-01-02T03:04:05Z), now, or now+<duration>");
  }
  return std::chrono::ceil<std::chrono::seconds>(*at);
}

nlohmann::json key_json(const keys::KeyInfo& info) {
  nlohmann::json out{{"kid", info.kid},
                     {"created", ledger::format_rfc3339(info.created)},
                     {"state", keys::to_string(info.state)},
                     {"active", info.active},
                     {"jwk", info.public_jwk}};
  // core's microsecond form: system_clock's nanoseconds end in 2262, and an
  // activation may be given further out.
  if (info.activates) out["activates"] = core::format_timestamp(*info.activates);
  return out;
}

}  // namespace

void add_keys_commands(CLI::App& app, GlobalOptions& options) {
  auto* keys = app.add_subcommand("keys", "Signing keys (Ed25519)");
  keys->require_subcommand(1);

  keys->add_subcommand("list", "List keys, oldest first, each active, staged (until its activation) or verify-only")
      ->callback([&options] {
        auto home = open_home(options);
        nlohmann::json out = nlohmann::json::array();
        for (const auto& info : home->keys().list()) out.push_back(key_json(info));
        print_json(out);
      });

  auto* rotate = keys->add_subcommand(
      "rotate", "Make a new key; it signs from --activate-at on (default now) and verifies at once; old keys stay");
  auto activate_at = std::make_shared<std::string>("now");
  rotate->add_option("--activate-at", *activate_at,
                     "When the new key begins to sign: RFC 3339 UTC, now, or now+<duration> (e.g. now+10m); "
                     "copy its file to every server's keys/ before then");
  rotate->callback([&options, activate_at] {
    const auto at = parse_activation(*activate_at);
    auto home = open_home(options);
    auto kid = home->keys().rotate(at);
    if (!kid) fail(ErrorKind::io, kid.error());
    const auto keyring = home->keys().current();
    const auto key = keyring->find(*kid);
    if (!key) fail(ErrorKind::internal, "the new key " + *kid + " is not in the keyring");
    nlohmann::json out{{"kid", *kid}, {"verifier_key", ledger::NoteVerifier::for_key(home->config().origin, *key).to_string()}};
    for (const auto& info : keyring->list()) {
      if (info.kid == *kid) out["state"] = keys::to_string(info.state);
      if (info.kid == *kid && info.activates) out["activates"] = core::format_timestamp(*info.activates);
    }
    print_json(out);
  });

  keys->add_subcommand("export-jwks", "Print the public keys as a JWK Set (RFC 7517, RFC 8037)")->callback([&options] {
    print_json(open_home(options)->keys().jwks());
  });
}

}  // namespace mandate::cli
