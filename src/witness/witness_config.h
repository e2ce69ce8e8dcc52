#pragma once
// A witness's configuration file (witness.toml), read strictly: every error
// names file:line:column, an unknown key is an error.
//
//   name = "witness.example/w1"          # the cosigner's key name
//   private_key = "witness-key.pem"      # relative to the config's directory
//   state = "witness.db"
//   prefix = ""                          # URL path prefix of both APIs
//   [listen]
//   address = "127.0.0.1"
//   port = 7380                          # 0: any free port
//   [listen.tls]                         # optional
//   certificate = "cert.pem"
//   private_key = "tls-key.pem"
//   [[log]]                              # one per log witnessed
//   origin = "mandate.example/ledger"
//   keys = ["mandate.example/ledger+1a2b3c4d+AQ..."]
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/note.h"

namespace mandate::witness {

// A log this witness cosigns for: its origin line and the checkpoint keys
// (type 0x01) it trusts for that origin (more than one while a log rotates).
struct WitnessedLog {
  std::string origin;
  std::vector<ledger::NoteVerifier> keys;
};

struct WitnessTls {
  std::filesystem::path certificate_chain;
  std::filesystem::path private_key;
};

struct WitnessConfig {
  std::filesystem::path file;  // where it was read from
  std::string name;
  std::filesystem::path private_key;  // absolute, resolved against the config's directory
  std::filesystem::path state;
  std::string prefix;  // "" or "/path" without a trailing slash
  std::string address = "127.0.0.1";
  std::uint16_t port = 7380;
  std::optional<WitnessTls> tls;
  std::vector<WitnessedLog> logs;

  const WitnessedLog* log(std::string_view origin) const;
};

inline constexpr std::string_view kConfigFileName = "witness.toml";
inline constexpr std::string_view kKeyFileName = "witness-key.pem";
inline constexpr std::string_view kStateFileName = "witness.db";
inline constexpr std::uint16_t kDefaultPort = 7380;

std::expected<WitnessConfig, std::string> parse_witness_config(std::string_view text,
                                                               const std::filesystem::path& file);
std::expected<WitnessConfig, std::string> read_witness_config(const std::filesystem::path& file);

// The file `witness init` writes: the settings above, no logs yet, and
// comments that say how to add one.
std::string initial_witness_config(std::string_view name, std::string_view address, std::uint16_t port);

// The [[log]] table `witness log add` appends to the file.
std::string log_table(const WitnessedLog& log);

}  // namespace mandate::witness
