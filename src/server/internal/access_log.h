#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// One JSON line per answered request: time, request id, method, route
// pattern, status, duration, caller and peer. Never headers, bodies or query
// strings, so no token or proof can reach the log.
#include <chrono>
#include <fstream>
#include <mutex>
#include <string>

#include "server/internal/http_message.h"

namespace mandate::server {

class AccessLog {
 public:
  // "-": standard error; "off": nothing; otherwise a file, appended to.
  explicit AccessLog(const std::string& destination);
  void write(const Request& request, const Response& response, std::chrono::nanoseconds duration);

 private:
  std::mutex mu_;
  bool off_ = false;
  bool to_stderr_ = false;
  std::ofstream file_;
};

}  // namespace mandate::server
