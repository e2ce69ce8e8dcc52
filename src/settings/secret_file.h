#pragma once
// A secret a config names by file (a client secret, a webhook signing key),
// so the config itself can be shared and logged: the file's text without
// the trailing whitespace an editor or `echo` leaves. nullopt: unreadable.
#include <filesystem>
#include <optional>
#include <string>

namespace mandate::settings {

std::optional<std::string> read_secret_file(const std::filesystem::path& file);

}  // namespace mandate::settings
