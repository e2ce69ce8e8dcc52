#pragma once
// Private to the notify module: the build defines MANDATE_INSIDE_NOTIFY only for src/notify/ and tests/notify/.
#ifndef MANDATE_INSIDE_NOTIFY
#error "this header is internal to the notify module; include a public notify/ header instead"
#endif
// One HTTP POST of a webhook delivery. An interface so the delivery logic
// (retries, 410, queue limits) is tested without a network; CurlSender is
// the real one.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

namespace mandate::notify {

struct Post {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};
  std::optional<std::filesystem::path> ca_file;
  // Once stop is requested, how long an attempt under way may still take
  // to be answered before it is abandoned: a stopping server neither waits
  // out a slow endpoint nor abandons an answer about to arrive (which would
  // send the event again after a restart).
  std::chrono::milliseconds stop_grace{std::chrono::seconds(2)};
};

struct PostResult {
  int status = 0;     // the HTTP status; 0 when no answer came
  std::string error;  // why no answer came (connection refused, timeout, TLS, ...)
  std::optional<std::chrono::seconds> retry_after;  // the answer's Retry-After, in seconds
  bool stopped = false;  // given up because `stop` was requested: not an attempt
};

class Sender {
 public:
  virtual ~Sender() = default;
  // Returns once answered, failed, timed out, or stop_grace after `stop`
  // was requested.
  virtual PostResult post(const Post& post, std::stop_token stop) = 0;
};

// libcurl: TLS always verified (ca_file, else the system's CAs), https
// only unless the URL is plain http to this machine (the config refuses
// others), no redirects (a 3xx is a failure, as Standard Webhooks says),
// the answer's body read and dropped (at most 64 KiB).
std::shared_ptr<Sender> curl_sender();

}  // namespace mandate::notify
