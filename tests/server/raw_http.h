#pragma once
// A deliberately dumb HTTP/1.1 client over a plain socket, so tests can send
// exactly the bytes an attacker would: partial headers, oversized bodies,
// garbage.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace mandate::testing {

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool send(const std::string& bytes);
  // One response (status line, headers, Content-Length body); nullopt when
  // the server closed the connection or nothing came within `timeout`.
  std::optional<std::string> read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the server closed the connection within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout);
  // Everything received up to and including `marker` (a streamed answer
  // read as it comes); nullopt when it did not come within `timeout`.
  std::optional<std::string> read_until(const std::string& marker,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  // More bytes into pending_ before `deadline`, or why none came.
  enum class Received { bytes, nothing, closed };
  Received receive(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string pending_;
};

int status_of(const std::string& response);
std::string body_of(const std::string& response);
std::optional<std::string> header_of(const std::string& response, const std::string& name);

}  // namespace mandate::testing
