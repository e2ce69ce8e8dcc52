#pragma once
// The HTTP/1.1 listener: keep-alive, optional TLS and mTLS, limits on header
// size, body size and time per request, and a graceful stop. Handlers run on
// a pool of worker threads apart from the network threads, because a handler
// that records a decision waits for the ledger's group commit: many waiting
// at once is what lets one fsync cover many decisions. Out of file
// descriptors, accepting pauses (100 ms at a time) instead of spinning.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/message.h"

namespace mandate::http {

struct TlsSettings {
  std::filesystem::path certificate_chain;  // PEM, leaf first
  std::filesystem::path private_key;        // PEM
  // When set, clients are asked for a certificate (optional: humans use
  // bearer tokens). The chain is handed to the handler unverified; the
  // identity module verifies it against the right trust domain's bundle.
  bool request_client_certificate = false;
};

struct Limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  // From the first byte of a request to the last byte of its response's
  // read: a slow client cannot hold a connection longer than this.
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};   // between keep-alive requests
  std::chrono::milliseconds drain_timeout{20'000};  // on stop, for requests in flight
  std::size_t max_connections = 10'000;
  // Streamed answers (Server-Sent Events) open at once; beyond, 503. Each
  // holds its connection for as long as the client listens.
  std::size_t max_streams = 100;
};

struct ListenSettings {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8443;  // 0: any free port
  unsigned network_threads = 2;
  unsigned handler_threads = 64;
  std::optional<TlsSettings> tls;
  Limits limits;
  // GET requests for these exact paths (health and readiness checks) are
  // handled on a thread of their own, not in the handler pool: a load
  // balancer's checks must answer while every handler is busy (e.g. with a
  // large batch of decisions), or a busy server would be taken for a dead
  // one. Their handlers must be quick.
  std::vector<std::string> priority_paths;
  // POST requests for these exact paths are handled on the network thread
  // that read them (Request::on_network_thread), not in the handler pool: a
  // decision answered from memory and recorded by the ledger's group commit
  // costs less than the thread wake-up a hop to the pool would add. Their
  // handlers must not wait; when one would, it hands the request off to the
  // pool (Response::handed_off()).
  std::vector<std::string> network_thread_paths;
};

using Handler = std::function<Response(Request&)>;
// Called once per answered request, on the worker that answered it (or the
// network thread for requests refused before a handler ran).
using Observer = std::function<void(const Request&, const Response&, std::chrono::nanoseconds)>;

class HttpServer {
 public:
  // Binds at once: a port in use or unreadable TLS files throw
  // Error{bad_input} here, before anything is served.
  HttpServer(ListenSettings settings, Handler handler, Observer observer);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // How often an open stream is asked for more (BodyStream::next).
  static constexpr std::chrono::milliseconds kStreamPollInterval{200};
  // Serves until stop() (or SIGTERM/SIGINT when `handle_signals`), then
  // drains: no new connections, requests in flight answered, idle
  // keep-alive connections closed. Returns when every handler has returned.
  void run(bool handle_signals);
  // Safe from any thread, and from a signal-handling path.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mandate::http
