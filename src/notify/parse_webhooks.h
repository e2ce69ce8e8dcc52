#pragma once
// The [[webhooks]] tables of mandate.toml, read strictly: an unknown key, a
// wrong type, a secret file that is not "whsec_<base64>", an unknown event
// name or plain http:// to a host that is not this machine is an error
// naming file:line:column, and the server does not start. Apart from
// webhooks.h so only the config reader sees toml++.
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "notify/webhooks.h"

namespace mandate::notify {

// `webhooks` is the value of the top-level key (an array of tables);
// relative file names are relative to `base_dir` (the config's folder).
std::expected<std::vector<Webhook>, std::string> parse_webhooks(const toml::node& webhooks,
                                                                const std::filesystem::path& base_dir);

}  // namespace mandate::notify
