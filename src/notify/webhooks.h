#pragma once
// The [[webhooks]] tables of mandate.toml: where events go, with which
// secret, which events, and how hard to try. Read strictly: an unknown key,
// a wrong type, a secret file that is not "whsec_<base64>", an unknown event
// name or plain http:// to a host that is not this machine is an error
// naming file:line:column, and the server does not start.
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mandate::notify {

// The events a webhook can ask for; each is sent as the CloudEvents type
// "dev.mandate." + name.
inline constexpr std::string_view kTaskRequested = "task.requested";
inline constexpr std::string_view kTaskApproved = "task.approved";
inline constexpr std::string_view kTaskDenied = "task.denied";
inline constexpr std::string_view kMandateIssued = "mandate.issued";
inline constexpr std::string_view kBreakGlass = "break_glass";
inline constexpr std::string_view kReviewOverdue = "review.overdue";
inline constexpr std::string_view kEventNames[] = {kTaskRequested, kMandateIssued, kTaskApproved,
                                                   kTaskDenied,    kBreakGlass,    kReviewOverdue};
inline constexpr std::string_view kEventTypePrefix = "dev.mandate.";

// When a failed delivery is tried again: `first` after the first failure,
// five times longer after each further one, never longer than `longest`,
// each delay then spread by +/-20% (jitter) so endpoints that failed
// together are not retried together. Defaults: 5 s, 25 s, ~2 min, ~10 min,
// ~52 min, then hourly, 8 attempts in all (about 4 h).
struct RetrySchedule {
  std::chrono::milliseconds first{std::chrono::seconds(5)};
  std::chrono::milliseconds longest{std::chrono::hours(1)};
  int max_attempts = 8;  // the first attempt included
};

// The delay before attempt `failed + 1`, after `failed` failed attempts
// (failed >= 1), before jitter.
std::chrono::milliseconds retry_delay(const RetrySchedule& schedule, int failed);

struct Webhook {
  // Names the endpoint in metrics and the log, which never show the URL's
  // path (chat services put their credential there). Default: the URL's
  // scheme://host[:port].
  std::string name;
  std::string url;
  std::vector<std::uint8_t> key;  // the decoded whsec_ secret: never printed
  std::set<std::string> events;   // names from kEventNames; default all
  std::optional<std::filesystem::path> ca_file;  // CA bundle verifying an https endpoint
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  RetrySchedule retry;
  std::size_t queue_limit = 1000;  // deliveries waiting; beyond, the oldest is dropped
};

// The [[webhooks]] of `config_text`, a TOML document (the server's config
// file, named `source` in errors); none: an empty list. Takes the text, not
// a parsed table, so that no toml++ type is in this header. Relative file
// names are relative to `base_dir` (the config's folder); secret files are
// read and checked now.
std::expected<std::vector<Webhook>, std::string> parse_webhooks(std::string_view config_text, std::string_view source,
                                                                const std::filesystem::path& base_dir);

}  // namespace mandate::notify
