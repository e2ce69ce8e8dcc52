// parse_webhooks: the [[webhooks]] tables, strictly. Each refusal names
// file:line:column of the value (or table) at fault and never quotes a
// secret.
#include "notify/webhooks.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

#include "broker/records.h"
#include "notify/internal/signing.h"
#include "settings/http_url.h"
#include "settings/secret_file.h"
#include "settings/strict_toml.h"

namespace mandate::notify {
namespace {

namespace fs = std::filesystem;

// Thrown inside this file only; parse_webhooks turns it into the error.
struct Refused {
  std::string message;
};

[[noreturn]] void refuse(const toml::node& at, const std::string& why) { throw Refused{settings::place(at) + ": " + why}; }

const toml::node& required(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) refuse(table, "[[webhooks]] needs " + std::string(key));
  return *node;
}

std::string text_of(const toml::node& node, std::string_view key) {
  auto text = settings::string_value(node);
  if (!text || text->empty()) refuse(node, std::string(key) + " must be a non-empty string");
  return *text;
}

std::chrono::milliseconds duration_of(const toml::node& node, std::string_view key) {
  const auto text = settings::string_value(node);
  const auto d = text ? broker::parse_duration(*text) : std::nullopt;
  if (!d) refuse(node, std::string(key) + " must be a duration such as \"5s\", \"2m\" or \"1h\"");
  return *d;
}

std::int64_t integer_of(const toml::node& node, std::string_view key, std::int64_t min, std::int64_t max) {
  const auto value = settings::integer_in(node, min, max);
  if (!value) refuse(node, std::string(key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return *value;
}

// Checks the URL and returns its scheme://host[:port], the default name.
std::string check_url(const toml::node& node, const std::string& text) {
  const auto url = settings::parse_http_url(text);
  if (!url) refuse(node, "url " + url.error());
  if (url->scheme == "http" && !url->loopback()) {
    refuse(node, "url must be https:// (a signed event still shows the task's intent to anyone on the path); "
                 "plain http:// is only for localhost, 127.0.0.0/8 and [::1]");
  }
  return url->origin();
}

std::vector<std::uint8_t> read_secret(const toml::node& node, const fs::path& file) {
  const auto secret = settings::read_secret_file(file);
  if (!secret) refuse(node, "cannot read the secret file " + file.string());
  auto key = parse_secret(*secret);
  if (!key) refuse(node, file.string() + ": " + key.error());
  return std::move(*key);
}

std::set<std::string> events_of(const toml::node& node) {
  const toml::array* list = node.as_array();
  if (list == nullptr || list->empty()) refuse(node, "events must be a non-empty array of event names");
  std::set<std::string> out;
  for (const toml::node& item : *list) {
    const auto name = settings::string_value(item);
    if (!name || std::find(std::begin(kEventNames), std::end(kEventNames), *name) == std::end(kEventNames)) {
      std::string known;
      for (std::string_view n : kEventNames) known += (known.empty() ? "" : ", ") + std::string(n);
      refuse(item, "events: not an event name (one of " + known + ")");
    }
    out.insert(*name);
  }
  return out;
}

// Label values in metrics and the log are quoted as they are.
void check_name(const toml::node& node, const std::string& name) {
  const bool printable = std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c < 0x7f && c != '"' && c != '\\'; });
  if (!printable || name.size() > 100) refuse(node, "name must be 1 to 100 printable ASCII characters, no spaces, quotes or backslashes");
}

Webhook read_webhook(const toml::table& table, const fs::path& base) {
  const std::string source = table.source().path ? *table.source().path : "";
  if (auto unknown = settings::unknown_key(table,
                                           {"url", "secret_file", "events", "name", "ca_file", "timeout", "max_attempts",
                                            "first_retry", "max_retry_delay", "queue_limit"},
                                           source, settings::unknown_setting_prefix("webhooks"))) {
    throw Refused{*unknown};
  }
  Webhook w;
  const toml::node& url = required(table, "url");
  w.url = text_of(url, "url");
  w.name = check_url(url, w.url);
  const toml::node& secret = required(table, "secret_file");
  w.key = read_secret(secret, base / text_of(secret, "secret_file"));
  if (const toml::node* n = table.get("name")) {
    w.name = text_of(*n, "name");
    check_name(*n, w.name);
  }
  if (const toml::node* n = table.get("events")) w.events = events_of(*n);
  else w.events = {std::begin(kEventNames), std::end(kEventNames)};
  if (const toml::node* n = table.get("ca_file")) w.ca_file = base / text_of(*n, "ca_file");
  if (const toml::node* n = table.get("timeout")) w.timeout = duration_of(*n, "timeout");
  if (const toml::node* n = table.get("first_retry")) w.retry.first = duration_of(*n, "first_retry");
  if (const toml::node* n = table.get("max_retry_delay")) w.retry.longest = duration_of(*n, "max_retry_delay");
  if (const toml::node* n = table.get("max_attempts")) w.retry.max_attempts = static_cast<int>(integer_of(*n, "max_attempts", 1, 50));
  if (const toml::node* n = table.get("queue_limit")) w.queue_limit = static_cast<std::size_t>(integer_of(*n, "queue_limit", 1, 1'000'000));
  if (w.retry.longest < w.retry.first) refuse(table, "max_retry_delay must not be shorter than first_retry");
  return w;
}

}  // namespace

std::chrono::milliseconds retry_delay(const RetrySchedule& schedule, int failed) {
  std::chrono::milliseconds delay = schedule.first;
  for (int i = 1; i < failed && delay < schedule.longest; ++i) delay *= 5;
  return std::min(delay, schedule.longest);
}

std::expected<std::vector<Webhook>, std::string> parse_webhooks(std::string_view config_text, std::string_view source,
                                                                const fs::path& base_dir) {
  auto root = settings::parse(config_text, source);
  if (!root) return std::unexpected(root.error());
  const toml::node* webhooks = root->get("webhooks");
  if (webhooks == nullptr) return std::vector<Webhook>{};
  try {
    const toml::array* list = webhooks->as_array();
    if (list == nullptr || !list->is_array_of_tables()) refuse(*webhooks, "webhooks must be tables: [[webhooks]]");
    std::vector<Webhook> out;
    for (const toml::node& item : *list) {
      Webhook w = read_webhook(*item.as_table(), base_dir);
      if (std::any_of(out.begin(), out.end(), [&](const Webhook& o) { return o.name == w.name; })) {
        refuse(item, "a second webhook named " + w.name + ": give each a distinct name");
      }
      out.push_back(std::move(w));
    }
    return out;
  } catch (const Refused& r) {
    return std::unexpected(r.message);
  }
}

}  // namespace mandate::notify
