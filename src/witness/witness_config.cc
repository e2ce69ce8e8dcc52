#include "witness/witness_config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "ledger/checkpoint.h"
#include "settings/strict_toml.h"

namespace mandate::witness {
namespace {

// Collects the first error with its place, so each setting reads in one line
// (as the server's config reader does).
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  bool failed() const { return error_.has_value(); }
  const std::string& error() const { return *error_; }
  void fail_at(const toml::node& node, const std::string& why) { set(settings::place(source_, node) + ": " + why); }
  void fail(const std::string& why) { set(source_ + ": " + why); }

  void only(const toml::table& table, const std::set<std::string>& keys, std::string_view section) {
    if (auto unknown = settings::unknown_key(table, keys, source_, settings::unknown_setting_prefix(section))) {
      set(*unknown);
    }
  }
  std::optional<std::string> text(const toml::table& t, std::string_view key) {
    const toml::node* node = t.get(key);
    if (!node) return std::nullopt;
    auto value = settings::string_value(*node);
    if (!value) fail_at(*node, std::string(key) + " must be a string");
    return value;
  }

 private:
  void set(std::string why) {
    if (!error_) error_ = std::move(why);
  }
  std::string source_;
  std::optional<std::string> error_;
};

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& value) {
  const std::filesystem::path p(value);
  return p.is_absolute() ? p : base / p;
}

void read_listen(Reader& r, const toml::table& listen, const std::filesystem::path& base, WitnessConfig& config) {
  r.only(listen, {"address", "port", "tls"}, "listen");
  if (auto address = r.text(listen, "address")) config.address = *address;
  if (const toml::node* port = listen.get("port")) {
    if (auto value = settings::integer_in(*port, 0, 65535)) config.port = static_cast<std::uint16_t>(*value);
    else r.fail_at(*port, "port must be an integer from 0 to 65535");
  }
  const toml::node* tls_node = listen.get("tls");
  if (!tls_node) return;
  const toml::table* tls = tls_node->as_table();
  if (!tls) return r.fail_at(*tls_node, "listen.tls must be a table");
  r.only(*tls, {"certificate", "private_key"}, "listen.tls");
  auto certificate = r.text(*tls, "certificate");
  auto key = r.text(*tls, "private_key");
  if (r.failed()) return;
  if (!certificate || !key) return r.fail_at(*tls_node, "listen.tls needs both certificate and private_key");
  config.tls = WitnessTls{resolve(base, *certificate), resolve(base, *key)};
}

void read_log(Reader& r, const toml::node& node, WitnessConfig& config) {
  const toml::table* table = node.as_table();
  if (!table) return r.fail_at(node, "log must be a table ([[log]])");
  r.only(*table, {"origin", "keys"}, "log");
  WitnessedLog log;
  if (auto origin = r.text(*table, "origin")) log.origin = *origin;
  if (r.failed()) return;
  if (log.origin.empty()) return r.fail_at(node, "log.origin is required (the checkpoints' first line)");
  // The origin is a checkpoint's first line: what a checkpoint body accepts.
  if (log.origin.find('\n') != std::string::npos) return r.fail_at(node, "log.origin must be one line");
  if (config.log(log.origin)) return r.fail_at(node, "log \"" + log.origin + "\" is listed twice");
  const toml::node* keys_node = table->get("keys");
  const toml::array* keys = keys_node ? keys_node->as_array() : nullptr;
  if (!keys || keys->empty()) {
    return r.fail_at(keys_node ? *keys_node : node, "log.keys must be a list of the log's checkpoint vkeys (at least one)");
  }
  for (const toml::node& key : *keys) {
    auto text = settings::string_value(key);
    if (!text) return r.fail_at(key, "log.keys must hold strings (vkeys)");
    auto verifier = ledger::NoteVerifier::parse(*text);
    if (!verifier) return r.fail_at(key, "not an Ed25519 checkpoint vkey (type 0x01): " + verifier.error());
    log.keys.push_back(*verifier);
  }
  config.logs.push_back(std::move(log));
}

std::string toml_string(std::string_view text) {
  std::ostringstream out;
  out << toml::value<std::string>(std::string(text));
  return out.str();
}

}  // namespace

const WitnessedLog* WitnessConfig::log(std::string_view origin) const {
  for (const WitnessedLog& l : logs) {
    if (l.origin == origin) return &l;
  }
  return nullptr;
}

std::expected<WitnessConfig, std::string> parse_witness_config(std::string_view text,
                                                               const std::filesystem::path& file) {
  auto document = settings::parse(text, file.string());
  if (!document) return std::unexpected(document.error());
  const std::filesystem::path base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  Reader r(file.string());
  r.only(*document, {"name", "private_key", "state", "prefix", "listen", "log"}, "");
  WitnessConfig config;
  config.file = file;
  config.name = r.text(*document, "name").value_or("");
  config.private_key = resolve(base, r.text(*document, "private_key").value_or(std::string(kKeyFileName)));
  config.state = resolve(base, r.text(*document, "state").value_or(std::string(kStateFileName)));
  config.prefix = r.text(*document, "prefix").value_or("");
  if (r.failed()) return std::unexpected(r.error());
  if (!ledger::valid_key_name(config.name)) {
    return std::unexpected(file.string() + ": name must be a key name (non-empty, no spaces, no '+'), e.g. \"witness.example/w1\"");
  }
  if (!config.prefix.empty() && (config.prefix.front() != '/' || config.prefix.back() == '/')) {
    return std::unexpected(file.string() + ": prefix must be empty or a path like \"/witness\" (no trailing slash)");
  }
  if (const toml::node* listen = document->get("listen")) {
    if (const toml::table* t = listen->as_table()) read_listen(r, *t, base, config);
    else r.fail_at(*listen, "listen must be a table");
  }
  if (const toml::node* logs = document->get("log")) {
    if (const toml::array* list = logs->as_array()) {
      for (const toml::node& log : *list) {
        if (!r.failed()) read_log(r, log, config);
      }
    } else {
      r.fail_at(*logs, "log must be an array of tables ([[log]])");
    }
  }
  if (r.failed()) return std::unexpected(r.error());
  return config;
}

std::expected<WitnessConfig, std::string> read_witness_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_witness_config(text.str(), file);
}

std::string initial_witness_config(std::string_view name, std::string_view address, std::uint16_t port) {
  std::string text;
  text += "# mandate witness configuration (docs/witnesses.md). Restart `mandate witness serve` after a change.\n";
  text += "name = " + toml_string(name) + "  # the cosigner's key name, in its vkey\n";
  text += "private_key = " + toml_string(kKeyFileName) + "  # relative to this file's directory\n";
  text += "state = " + toml_string(kStateFileName) + "\n";
  text += "prefix = \"\"  # URL path prefix of add-checkpoint and the monitoring endpoint\n\n";
  text += "[listen]\n";
  text += "address = " + toml_string(address) + "\n";
  text += "port = " + std::to_string(port) + "\n";
  text += "# [listen.tls]\n# certificate = \"cert.pem\"\n# private_key = \"tls-key.pem\"\n\n";
  text += "# One [[log]] per log witnessed (or `mandate witness log add`):\n";
  text += "# [[log]]\n# origin = \"mandate.example/ledger\"\n";
  text += "# keys = [\"<the log's vkey: mandate ledger public-key>\"]\n";
  return text;
}

std::string log_table(const WitnessedLog& log) {
  std::string text = "\n[[log]]\norigin = " + toml_string(log.origin) + "\nkeys = [";
  for (std::size_t i = 0; i < log.keys.size(); ++i) {
    text += (i ? ", " : "") + toml_string(log.keys[i].to_string());
  }
  text += "]\n";
  return text;
}

}  // namespace mandate::witness
