#include "server/internal/access_log.h"

#include <iostream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/time.h"

namespace mandate::server {

AccessLog::AccessLog(const std::string& destination) {
  if (destination == "off") {
    off_ = true;
  } else if (destination == "-") {
    to_stderr_ = true;
  } else {
    file_.open(destination, std::ios::app);
    if (!file_) fail(ErrorKind::bad_input, "log.access: cannot open " + destination + " for appending");
  }
}

void AccessLog::write(const Request& request, const Response& response, std::chrono::nanoseconds duration) {
  if (off_) return;
  const nlohmann::json line = {
      {"time", core::format_timestamp(std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()))},
      {"request_id", request.request_id},
      {"method", request.method},
      {"route", response.route},
      {"status", response.status},
      {"duration_ms", std::chrono::duration<double, std::milli>(duration).count()},
      {"caller", response.caller},
      {"peer", request.remote_address},
      {"bytes_out", response.body.size()},
  };
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mu_);
  if (to_stderr_) std::cerr << text << std::flush;
  else file_ << text << std::flush;
}

}  // namespace mandate::server
