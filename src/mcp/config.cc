// parse_gateway_config: [mcp] and [[mcp.servers]], strictly. Each refusal
// names file:line:column of the value (or table) at fault and never quotes
// a header file's content.
#include "mcp/config.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include "broker/records.h"
#include "settings/http_url.h"
#include "settings/secret_file.h"
#include "settings/strict_toml.h"

namespace mandate::mcp {
namespace {

namespace fs = std::filesystem;

// Thrown inside this file only; parse_gateway_config turns it into the error.
struct Refused {
  std::string message;
};

[[noreturn]] void refuse(const toml::node& at, const std::string& why) { throw Refused{settings::place(at) + ": " + why}; }

std::string text_of(const toml::node& node, std::string_view key) {
  auto text = settings::string_value(node);
  if (!text || text->empty()) refuse(node, std::string(key) + " must be a non-empty string");
  return *text;
}

std::chrono::seconds duration_of(const toml::node& node, std::string_view key) {
  const auto text = settings::string_value(node);
  const auto d = text ? broker::parse_duration(*text) : std::nullopt;
  if (!d) refuse(node, std::string(key) + " must be a duration such as \"30s\", \"15m\" or \"1h\"");
  return *d;
}

const toml::table& table_of(const toml::node& node, std::string_view key, std::string_view form) {
  const toml::table* table = node.as_table();
  if (table == nullptr) refuse(node, std::string(key) + " must be a table such as " + std::string(form));
  return *table;
}

void check_unknown(const toml::table& table, const std::set<std::string>& allowed, std::string_view section) {
  const std::string source = table.source().path ? *table.source().path : "";
  if (auto unknown = settings::unknown_key(table, allowed, source, settings::unknown_setting_prefix(section))) throw Refused{*unknown};
}

// Checks an http(s) URL; its scheme and host.
settings::HttpUrl check_url(const toml::node& node, const std::string& text, std::string_view key) {
  auto url = settings::parse_http_url(text);
  if (!url) refuse(node, std::string(key) + " " + url.error());
  return std::move(*url);
}

bool valid_server_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// An HTTP field name (RFC 9110 token).
bool valid_header_name(const std::string& name) {
  static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

bool valid_header_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// Headers the transport itself sets: a config may not replace them.
bool reserved_header(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name == "content-type" || name == "accept" || name == "mcp-session-id" || name == "mcp-protocol-version" ||
         name == "content-length" || name == "host" || name == "last-event-id" || name == "expect" || name == "transfer-encoding";
}

void add_header(const toml::node& at, UpstreamServer& s, const std::string& name, std::string value) {
  if (!valid_header_name(name)) refuse(at, "\"" + name + "\" is not an HTTP header name");
  if (reserved_header(name)) refuse(at, "the header " + name + " is set by the MCP transport itself");
  if (std::any_of(s.headers.begin(), s.headers.end(), [&](const auto& h) {
        return std::equal(h.first.begin(), h.first.end(), name.begin(), name.end(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
      })) {
    refuse(at, "the header " + name + " is given twice (headers and header_files together name each header once)");
  }
  s.headers.emplace_back(name, std::move(value));
}

UpstreamServer read_server(const toml::table& table, const fs::path& base) {
  check_unknown(table, {"name", "command", "environment", "working_directory", "call_timeout", "url", "headers", "header_files"},
                "mcp.servers");
  UpstreamServer s;
  const toml::node* name = table.get("name");
  if (name == nullptr) refuse(table, "[[mcp.servers]] needs a name");
  s.name = text_of(*name, "name");
  if (!valid_server_name(s.name)) refuse(*name, "name must be 1 to 64 of a-z, 0-9, _ and - (it prefixes the server's tools)");

  const toml::node* command = table.get("command");
  const toml::node* url = table.get("url");
  if ((command == nullptr) == (url == nullptr)) {
    refuse(table, "[[mcp.servers]] " + s.name + " needs exactly one of command (a server the gateway starts, over stdio) and url (Streamable HTTP)");
  }
  const auto stdio_only = [&](std::string_view key) {
    if (const toml::node* n = table.get(key); n != nullptr && command == nullptr) {
      refuse(*n, std::string(key) + " is for a server with a command, not a url");
    }
  };
  const auto http_only = [&](std::string_view key) {
    if (const toml::node* n = table.get(key); n != nullptr && url == nullptr) refuse(*n, std::string(key) + " is for a server with a url, not a command");
  };
  stdio_only("environment");
  stdio_only("working_directory");
  http_only("headers");
  http_only("header_files");

  if (command != nullptr) {
    const toml::array* list = command->as_array();
    if (list == nullptr || list->empty()) refuse(*command, "command must be a non-empty array of strings: the program, then its arguments");
    for (const toml::node& item : *list) {
      const auto arg = settings::string_value(item);
      if (!arg || (s.command.empty() && arg->empty())) refuse(item, "command must be a non-empty array of strings: the program, then its arguments");
      s.command.push_back(*arg);
    }
    if (const toml::node* n = table.get("environment")) {
      for (const auto& [key, value] : table_of(*n, "environment", "{ KEY = \"value\" }")) {
        const std::string k(key.str());
        const auto v = settings::string_value(value);
        if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos) refuse(value, "environment: \"" + k + "\" is not a variable name");
        if (!v || v->find('\0') != std::string::npos) refuse(value, "environment: " + k + " must be a string");
        s.environment.emplace_back(k, *v);
      }
    }
    if (const toml::node* n = table.get("working_directory")) {
      const fs::path dir = base / text_of(*n, "working_directory");
      std::error_code ec;
      if (!fs::is_directory(dir, ec)) refuse(*n, "working_directory: " + dir.string() + " is not a directory");
      s.working_directory = dir;
    }
  } else {
    s.url = text_of(*url, "url");
    const settings::HttpUrl where = check_url(*url, s.url, "url");
    if (const toml::node* n = table.get("headers")) {
      for (const auto& [key, value] : table_of(*n, "headers", "{ \"X-Api-Version\" = \"1\" }")) {
        const auto v = settings::string_value(value);
        if (!v || !valid_header_value(*v)) refuse(value, "headers: " + std::string(key.str()) + " must be a string without line breaks");
        add_header(value, s, std::string(key.str()), *v);
      }
    }
    if (const toml::node* n = table.get("header_files")) {
      // A credential sent in clear to another machine is a credential given away.
      if (where.scheme == "http" && !where.loopback()) {
        refuse(*n, "header_files needs an https:// url (plain http:// is only for localhost, 127.0.0.0/8 and [::1])");
      }
      for (const auto& [key, value] : table_of(*n, "header_files", "{ Authorization = \"secrets/server.token\" }")) {
        const fs::path file = base / text_of(value, "header_files." + std::string(key.str()));
        const auto secret = settings::read_secret_file(file);
        if (!secret || secret->empty()) refuse(value, "header_files: cannot read the header file " + file.string() + " (or it is empty)");
        if (!valid_header_value(*secret)) refuse(value, "header_files: the header file " + file.string() + " holds a line break or NUL");
        add_header(value, s, std::string(key.str()), *secret);
      }
    }
  }
  if (const toml::node* n = table.get("call_timeout")) s.call_timeout = duration_of(*n, "call_timeout");
  return s;
}

}  // namespace

std::expected<std::optional<GatewayConfig>, std::string> parse_gateway_config(std::string_view text, std::string_view source,
                                                                              const fs::path& base_dir) {
  auto root = settings::parse(text, source);
  if (!root) return std::unexpected(root.error());
  const toml::node* mcp = root->get("mcp");
  if (mcp == nullptr) return std::optional<GatewayConfig>();
  try {
    const toml::table& section = table_of(*mcp, "mcp", "[mcp]");
    check_unknown(section, {"address", "port", "public_url", "hold_for", "servers"}, "mcp");
    GatewayConfig c;
    if (const toml::node* n = section.get("address")) c.address = text_of(*n, "address");
    if (const toml::node* n = section.get("port")) {
      const auto port = settings::integer_in(*n, 0, 65535);
      if (!port) refuse(*n, "port must be an integer from 0 to 65535 (0: any free port)");
      c.port = static_cast<std::uint16_t>(*port);
    }
    if (const toml::node* n = section.get("public_url")) {
      c.public_url = text_of(*n, "public_url");
      check_url(*n, c.public_url, "public_url");
      while (c.public_url.ends_with('/')) c.public_url.pop_back();
    } else if (c.port != 0) {
      const std::string host = c.address.find(':') != std::string::npos ? "[" + c.address + "]" : c.address;
      c.public_url = "http://" + host + ":" + std::to_string(c.port) + "/mcp";
    }
    if (const toml::node* n = section.get("hold_for")) c.hold_for = duration_of(*n, "hold_for");
    const toml::node* servers = section.get("servers");
    if (servers == nullptr) refuse(section, "[mcp] needs at least one [[mcp.servers]]");
    const toml::array* list = servers->as_array();
    if (list == nullptr || list->empty() || !list->is_array_of_tables()) refuse(*servers, "servers must be tables: [[mcp.servers]]");
    for (const toml::node& item : *list) {
      UpstreamServer s = read_server(*item.as_table(), base_dir);
      if (std::any_of(c.servers.begin(), c.servers.end(), [&](const UpstreamServer& o) { return o.name == s.name; })) {
        refuse(item, "a second MCP server named " + s.name + ": give each a distinct name");
      }
      c.servers.push_back(std::move(s));
    }
    return std::optional<GatewayConfig>(std::move(c));
  } catch (const Refused& r) {
    return std::unexpected(r.message);
  }
}

}  // namespace mandate::mcp
