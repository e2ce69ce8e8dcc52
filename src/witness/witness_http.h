#pragma once
// The witness over HTTP/1.1: mandate's listener (src/http: keep-alive,
// optional TLS, bounded bodies and time per request) in front of a
// WitnessService.
//
//   POST <prefix>/add-checkpoint           C2SP tlog-witness add-checkpoint
//   GET  <prefix>/<origin hash>/checkpoint the latest cosigned checkpoint
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "http/message.h"
#include "witness/witness_config.h"
#include "witness/witness_service.h"

namespace mandate::http {
class HttpServer;
}

namespace mandate::witness {

// A checkpoint with 63 proof lines is a few kilobytes: anything much larger
// is refused (413) before it is read whole.
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;

// One request to its answer: the routes above, 405 with Allow for another
// method, 404 for another path. Testable without a socket.
http::Response route_witness_request(WitnessService& service, std::string_view prefix, const http::Request& request);

class WitnessServer {
 public:
  // Binds at once: an address in use or unreadable TLS files throw Error{bad_input}.
  WitnessServer(const WitnessConfig& config, WitnessService& service);
  ~WitnessServer();
  WitnessServer(const WitnessServer&) = delete;
  WitnessServer& operator=(const WitnessServer&) = delete;

  std::uint16_t port() const;
  // Serves until SIGTERM or SIGINT (or stop()), then answers what is in flight.
  void run();
  void stop();

 private:
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace mandate::witness
