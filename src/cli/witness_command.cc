// mandate witness: run a C2SP tlog-witness for other parties' logs
// (docs/witnesses.md). An audit team runs it on a machine the log's operator
// does not control; it needs no mandate home.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/internal/cli_context.h"
#include "crypto/sha256.h"
#include "encoding/base64.h"
#include "encoding/hex.h"
#include "keys/private_key_file.h"
#include "witness/witness_config.h"
#include "witness/witness_http.h"
#include "witness/witness_service.h"
#include "witness/witness_state.h"

namespace mandate::cli {
namespace {

namespace fs = std::filesystem;
using witness::WitnessConfig;

// --dir DIR or --config FILE: where the witness's configuration is.
struct WitnessLocation {
  std::string dir;
  std::string config;

  void add_to(CLI::App& cmd) {
    auto* d = cmd.add_option("--dir", dir, "The witness directory (its witness.toml)");
    auto* c = cmd.add_option("--config", config, "The witness's configuration file");
    d->excludes(c);
  }
  fs::path config_file() const {
    if (!config.empty()) return config;
    if (!dir.empty()) return fs::path(dir) / witness::kConfigFileName;
    fail(ErrorKind::bad_input, "say where the witness is: --dir DIR or --config FILE");
  }
  WitnessConfig read() const {
    auto parsed = witness::read_witness_config(config_file());
    if (!parsed) fail(ErrorKind::bad_input, parsed.error());
    return std::move(*parsed);
  }
};

std::unique_ptr<witness::WitnessState> open_state(const WitnessConfig& config) {
  auto state = witness::WitnessState::open(config.state);
  if (!state) fail(ErrorKind::io, state.error());
  return std::move(*state);
}

crypto::Ed25519PrivateKey read_key(const WitnessConfig& config) {
  auto key = keys::read_private_key_file(config.private_key);
  if (!key) fail(ErrorKind::io, "the witness key: " + key.error());
  return std::move(*key);
}

std::string origin_hash(std::string_view origin) { return encoding::hex_encode(crypto::Sha256().update(origin).finish()); }

void add_init(CLI::App& parent) {
  auto* cmd = parent.add_subcommand("init", "Make a witness directory: key, config and empty state; print the cosigner vkey");
  struct Args {
    std::string dir, name, address = "127.0.0.1";
    std::uint16_t port = witness::kDefaultPort;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--dir", args->dir, "The directory to make (created if missing; must not hold a witness)")->required();
  cmd->add_option("--name", args->name, "The witness's key name, e.g. witness.example.org/audit")->required();
  cmd->add_option("--address", args->address, "Listen address written to the config (default 127.0.0.1)");
  cmd->add_option("--port", args->port, "Listen port written to the config (0: any free port)");
  cmd->callback([args] {
    if (!ledger::valid_key_name(args->name)) {
      fail(ErrorKind::bad_input, "--name must be a key name (non-empty, no spaces, no '+')");
    }
    const fs::path dir = args->dir;
    for (std::string_view name : {witness::kConfigFileName, witness::kKeyFileName, witness::kStateFileName}) {
      if (fs::exists(dir / name)) fail(ErrorKind::bad_input, (dir / name).string() + " already exists: not overwritten");
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail(ErrorKind::io, "cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);  // the key is inside; best effort on an existing directory
    const auto key = crypto::Ed25519PrivateKey::generate();
    if (auto written = keys::create_private_key_file(dir / witness::kKeyFileName, key); !written) {
      fail(ErrorKind::io, written.error());
    }
    if (auto state = witness::WitnessState::create(dir / witness::kStateFileName); !state) fail(ErrorKind::io, state.error());
    std::ofstream config(dir / witness::kConfigFileName, std::ios::binary);
    config << witness::initial_witness_config(args->name, args->address, args->port);
    config.close();
    if (!config) fail(ErrorKind::io, "cannot write " + (dir / witness::kConfigFileName).string());
    const auto cosigner = witness::Cosigner::for_key(args->name, key.public_key());
    print_json({{"dir", dir.string()},
                {"config", (dir / witness::kConfigFileName).string()},
                {"name", args->name},
                {"cosigner_vkey", cosigner.to_string()}});
  });
}

void add_public_key(CLI::App& parent) {
  auto* cmd = parent.add_subcommand("public-key", "Print the witness's cosigner vkey (type 0x04) for logs' policies");
  auto where = std::make_shared<WitnessLocation>();
  where->add_to(*cmd);
  cmd->callback([where] {
    const WitnessConfig config = where->read();
    std::cout << witness::Cosigner::for_key(config.name, read_key(config).public_key()).to_string() << "\n";
  });
}

void add_serve(CLI::App& parent) {
  auto* cmd = parent.add_subcommand("serve", "Serve add-checkpoint and the monitoring endpoint until SIGTERM");
  auto where = std::make_shared<WitnessLocation>();
  where->add_to(*cmd);
  cmd->callback([where] {
    const WitnessConfig config = where->read();
    auto state = open_state(config);
    witness::WitnessService service(config.name, read_key(config), config.logs, *state);
    witness::WitnessServer server(config, service);
    // One line on stdout once bound, so a supervisor (or a test) learns the port.
    std::cout << nlohmann::json{{"listening", config.address + ":" + std::to_string(server.port())},
                                {"tls", config.tls.has_value()},
                                {"cosigner_vkey", service.cosigner().to_string()},
                                {"logs", config.logs.size()}}
                     .dump()
              << std::endl;
    server.run();
  });
}

nlohmann::json log_json(const witness::WitnessedLog& log, witness::WitnessState& state) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : log.keys) keys.push_back(k.to_string());
  nlohmann::json out{{"origin", log.origin}, {"origin_hash", origin_hash(log.origin)}, {"keys", keys}, {"latest", nullptr}};
  if (auto latest = state.latest(log.origin)) {
    out["latest"] = {{"size", latest->size}, {"root_hash", encoding::base64_encode(latest->root)}, {"cosigned_at", latest->cosigned_at}};
  }
  return out;
}

void add_log_commands(CLI::App& parent) {
  auto* log = parent.add_subcommand("log", "The logs this witness cosigns for");
  log->require_subcommand(1);

  auto* add = log->add_subcommand("add", "Append a [[log]] to the config (restart serve to use it)");
  auto where = std::make_shared<WitnessLocation>();
  where->add_to(*add);
  auto entry = std::make_shared<witness::WitnessedLog>();
  auto vkeys = std::make_shared<std::vector<std::string>>();
  add->add_option("--origin", entry->origin, "The log's origin (its checkpoints' first line)")->required();
  add->add_option("--key", *vkeys, "The log's checkpoint vkey (mandate ledger public-key); repeat while it rotates")->required();
  add->callback([where, entry, vkeys] {
    const WitnessConfig config = where->read();
    if (config.log(entry->origin)) fail(ErrorKind::bad_input, "\"" + entry->origin + "\" is already witnessed");
    entry->keys.clear();
    for (const std::string& v : *vkeys) {
      auto key = ledger::NoteVerifier::parse(v);
      if (!key) fail(ErrorKind::bad_input, "--key " + v + ": not an Ed25519 checkpoint vkey (type 0x01): " + key.error());
      entry->keys.push_back(*key);
    }
    const fs::path file = where->config_file();
    std::string text;
    {
      std::ifstream in(file, std::ios::binary);
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::string updated = text + witness::log_table(*entry);
    // The file as it would be must read back cleanly before it replaces the old one.
    if (auto check = witness::parse_witness_config(updated, file); !check) fail(ErrorKind::bad_input, check.error());
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out << witness::log_table(*entry);
    out.close();
    if (!out) fail(ErrorKind::io, "cannot write " + file.string());
    print_json({{"added", entry->origin}, {"config", file.string()}});
  });

  auto* list = log->add_subcommand("list", "The logs witnessed, with the latest checkpoint cosigned for each");
  auto list_where = std::make_shared<WitnessLocation>();
  list_where->add_to(*list);
  list->callback([list_where] {
    const WitnessConfig config = list_where->read();
    auto state = open_state(config);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& l : config.logs) out.push_back(log_json(l, *state));
    print_json(out);
  });
}

void add_refusals(CLI::App& parent) {
  auto* cmd = parent.add_subcommand(
      "refusals", "Checkpoints of known logs the witness refused, newest first: possible evidence of a fork or rollback");
  auto where = std::make_shared<WitnessLocation>();
  where->add_to(*cmd);
  auto origin = std::make_shared<std::string>();
  auto limit = std::make_shared<std::size_t>(100);
  cmd->add_option("--origin", *origin, "Only this log's");
  cmd->add_option("--limit", *limit, "At most this many (default 100)")->check(CLI::Range(1, 1'000'000));
  cmd->callback([where, origin, limit] {
    auto state = open_state(where->read());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : state->refusals(*origin, *limit)) {
      out.push_back({{"id", r.id},
                     {"origin", r.origin},
                     {"received_at", r.received_at},
                     {"status", r.status},
                     {"reason", r.reason},
                     {"old_size", r.old_size},
                     {"size", r.size},
                     {"checkpoint", r.checkpoint},
                     {"proof", r.proof}});
    }
    print_json(out);
  });
}

}  // namespace

void add_witness_commands(CLI::App& app) {
  auto* witness = app.add_subcommand("witness", "Run a C2SP tlog-witness that cosigns other logs' checkpoints");
  witness->require_subcommand(1);
  add_init(*witness);
  add_public_key(*witness);
  add_serve(*witness);
  add_log_commands(*witness);
  add_refusals(*witness);
}

}  // namespace mandate::cli
