// Boost.Beast stays in this file: nothing else in mandate includes it.
#include "http/server.h"

#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.h"
#include "encoding/hex.h"

namespace mandate::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close_if_idle() = 0;
  virtual void force_close() = 0;
};

// A connection's operations run on its strand, named by its own type, not
// the type-erased any_io_executor Beast uses by default: erased, the
// executor was allocated again by many of a request's asynchronous
// operations (callgrind: 19 fewer allocations per decision without it).
using Strand = net::strand<net::io_context::executor_type>;
using Socket = net::basic_stream_socket<tcp, Strand>;
using TcpStream = beast::basic_stream<tcp, Strand>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Strand>;

// A line for whoever reads the server's stderr, in the access log's form
// (one JSON object per line) so a log shipper reading both keeps parsing.
void log_event(std::string_view event, std::string_view message) {
  std::cerr << R"({"event":")" << event << R"(","message":")" << message << "\"}" << std::endl;
}

}  // namespace

struct HttpServer::Impl {
  ListenSettings settings;
  Handler handler;
  Observer observer;
  net::io_context ioc;
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor;
  net::signal_set signals;
  net::steady_timer drain_timer;
  net::steady_timer accept_pause;
  bool accept_paused = false;  // touched only by the one accept chain
  net::thread_pool workers;
  net::thread_pool priority_workers{1};
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> streams{0};  // streamed answers open now
  std::atomic<std::uint64_t> request_counter{0};
  std::string request_id_prefix;
  std::mutex sessions_mu;
  std::vector<std::weak_ptr<SessionBase>> sessions;

  Impl(ListenSettings s, Handler h, Observer o)
      : settings(std::move(s)),
        handler(std::move(h)),
        observer(std::move(o)),
        ioc(static_cast<int>(std::max(1u, settings.network_threads))),
        acceptor(ioc),
        signals(ioc),
        drain_timer(ioc),
        accept_pause(ioc),
        workers(std::max(1u, settings.handler_threads)) {
    unsigned char random[6];
    RAND_bytes(random, sizeof random);
    request_id_prefix = encoding::hex_encode({random, sizeof random}) + "-";
    if (settings.tls) configure_tls(*settings.tls);
    bind();
  }

  void configure_tls(const TlsSettings& t) {
    tls.emplace(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    beast::error_code ec;
    tls->use_certificate_chain_file(t.certificate_chain.string(), ec);
    if (ec) fail(ErrorKind::bad_input, "tls.certificate: cannot use " + t.certificate_chain.string() + ": " + ec.message());
    tls->use_private_key_file(t.private_key.string(), ssl::context::pem, ec);
    if (ec) fail(ErrorKind::bad_input, "tls.private_key: cannot use " + t.private_key.string() + ": " + ec.message());
    if (t.request_client_certificate) {
      // Any chain is accepted here; identity/ verifies it against the bundle
      // of the trust domain its SPIFFE ID names, which OpenSSL cannot choose.
      tls->set_verify_mode(ssl::verify_peer);
      tls->set_verify_callback([](bool, ssl::verify_context&) { return true; });
      // OpenSSL refuses to resume a session of a context that asks for client
      // certificates unless it names a session id context: the handshake
      // fails with an internal error alert. Browsers resume (their parallel
      // connections do), so pages failed to load half their files.
      static constexpr unsigned char kSessionContext[] = "mandate serve";
      SSL_CTX_set_session_id_context(tls->native_handle(), kSessionContext, sizeof kSessionContext - 1);
    }
  }

  void bind() {
    beast::error_code ec;
    const auto address = net::ip::make_address(settings.address, ec);
    if (ec) fail(ErrorKind::bad_input, "listen.address: \"" + settings.address + "\" is not an IP address");
    const tcp::endpoint endpoint{address, settings.port};
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      fail(ErrorKind::bad_input,
           "listen: cannot listen on " + settings.address + ":" + std::to_string(settings.port) + ": " + ec.message());
    }
  }

  std::string next_request_id() { return request_id_prefix + std::to_string(++request_counter); }

  void accept();
  void on_accept(beast::error_code ec, Socket socket);
  void pause_accepting(const beast::error_code& ec);
  void start_session(Socket socket);
  bool on_network_thread(const Request& request) const {
    return request.method == "POST" && std::find(settings.network_thread_paths.begin(), settings.network_thread_paths.end(),
                                                 request.path) != settings.network_thread_paths.end();
  }
  bool has_priority(const Request& request) const {
    return request.method == "GET" && std::find(settings.priority_paths.begin(), settings.priority_paths.end(),
                                                request.path) != settings.priority_paths.end();
  }
  void register_session(const std::shared_ptr<SessionBase>& session) {
    std::lock_guard lock(sessions_mu);
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    sessions.push_back(session);
  }
  void session_ended() {
    if (--connections == 0 && stopping) net::post(ioc, [this] { drain_timer.cancel(); });
  }
  void begin_stop() {
    if (stopping.exchange(true)) return;
    beast::error_code ignored;
    acceptor.close(ignored);
    accept_pause.cancel();
    signals.cancel(ignored);
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(sessions_mu);
      for (auto& w : sessions) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->close_if_idle();
    if (connections == 0) return;
    drain_timer.expires_after(settings.limits.drain_timeout);
    drain_timer.async_wait([this](beast::error_code ec) {
      if (ec) return;  // drained in time
      std::lock_guard lock(sessions_mu);
      for (auto& w : sessions) {
        if (auto s = w.lock()) s->force_close();
      }
    });
  }
};

namespace {

// One connection. `Stream` is a TcpStream or an ssl_stream over one.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl& server, Stream stream) : server_(server), stream_(std::move(stream)) {
    beast::error_code ec;
    const auto endpoint = tcp_layer().socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
  ~Session() override {
    if (streaming_ && !stream_ended_) --server_.streams;
    server_.session_ended();
  }

  void start() {
    if constexpr (kTls) {
      tcp_layer().expires_after(server_.settings.limits.request_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Session::on_handshake, this->shared_from_this()));
    } else {
      wait_for_request();
    }
  }

  // On stop: an idle connection closes; a stream ends (its last chunk sent).
  void close_if_idle() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->streaming_) return self->end_stream(true);
      if (self->idle_ && !self->bytes_waiting()) self->cancel();
    });
  }
  void force_close() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->cancel(); });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, TcpStream>;

  // Whether the client has sent something not read yet: a connection that
  // stops while a request's bytes wait (in the socket, the read buffer or
  // the TLS layer) has a request in flight, which a graceful stop answers.
  bool bytes_waiting() {
    beast::error_code ec;
    if (buffer_.size() > 0 || tcp_layer().socket().available(ec) > 0) return true;
    if constexpr (kTls) return SSL_pending(stream_.native_handle()) > 0;
    return false;
  }

  TcpStream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  void cancel() {
    beast::error_code ignored;
    tcp_layer().socket().cancel(ignored);
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return;  // not TLS, or timed out: nothing to answer
    collect_peer_chain();
    wait_for_request();
  }

  void collect_peer_chain() {
    if constexpr (kTls) {
      SSL* handle = stream_.native_handle();
      auto der = [](X509* cert) {
        unsigned char* out = nullptr;
        const int n = i2d_X509(cert, &out);
        std::string bytes;
        if (n > 0) bytes.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
        OPENSSL_free(out);
        return bytes;
      };
      X509* leaf = SSL_get0_peer_certificate(handle);
      if (!leaf) return;
      peer_chain_.push_back(der(leaf));
      // On the server side this stack holds the intermediates, not the leaf.
      if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(handle)) {
        for (int i = 0; i < sk_X509_num(chain); ++i) {
          X509* cert = sk_X509_value(chain, i);
          if (X509_cmp(cert, leaf) != 0) peer_chain_.push_back(der(cert));
        }
      }
    }
  }

  // Idle between requests: the idle timeout applies until the first byte,
  // then the request timeout to the whole request.
  void wait_for_request() {
    idle_ = true;
    if (server_.stopping && !bytes_waiting()) return close();
    if (buffer_.size() > 0) return read_request();
    tcp_layer().expires_never();
    idle_timer_ = std::make_unique<Timer>(stream_.get_executor());
    idle_timer_->expires_after(server_.settings.limits.idle_timeout);
    idle_timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->cancel();
    });
    if constexpr (kTls) {
      // Over TLS the next request's bytes may already sit in the TLS layer
      // (read with the handshake's last flight, or with the previous
      // request's records), where a wait on the socket never sees them: read
      // through the stream instead.
      stream_.async_read_some(buffer_.prepare(kFirstRead),
                              [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                                self->idle_timer_->cancel();
                                if (ec) return self->close();
                                self->buffer_.commit(n);
                                self->read_request();
                              });
    } else {
      tcp_layer().socket().async_wait(tcp::socket::wait_read, [self = this->shared_from_this()](beast::error_code ec) {
        self->idle_timer_->cancel();
        if (ec) return self->close();
        self->read_request();
      });
    }
  }
  static constexpr std::size_t kFirstRead = 4096;
  static constexpr std::size_t kRequestRead = 16384;

  void read_request() {
    idle_ = false;
    started_ = SteadyClock::now();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.settings.limits.max_header_bytes));
    parser_->body_limit(server_.settings.limits.max_body_bytes);
    // Beast reads max(512, the buffer's free space) at a time, and its
    // parser consumes what it reads, so the buffer would stay at about 512
    // bytes and a request of a few kilobytes (a mandate, a proof and a
    // JWT-SVID) would take a read call per 512 bytes.
    buffer_.reserve(kRequestRead);
    tcp_layer().expires_after(server_.settings.limits.request_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    if (ec == bhttp::error::body_limit) return refuse(413, "the request body exceeds the limit of " + std::to_string(server_.settings.limits.max_body_bytes) + " bytes");
    if (ec == bhttp::error::header_limit) return refuse(431, "the request header exceeds the limit of " + std::to_string(server_.settings.limits.max_header_bytes) + " bytes");
    if (ec) return refuse(400, "malformed HTTP request: " + ec.message());
    dispatch(parser_->release());
  }

  void refuse(int status, const std::string& why) {
    Request request;
    request.remote_address = remote_;
    request.request_id = server_.next_request_id();
    Response response;
    response.status = status;
    response.body = error_body(why);
    response.route = "(refused)";
    keep_alive_ = false;
    finish(request, std::move(response));
  }

  std::expected<Request, std::string> to_request(bhttp::request<bhttp::string_body>& message) {
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& field : message) fields.emplace_back(std::string(field.name_string()), std::string(field.value()));
    auto request = request_from_head(std::string(message.method_string()), std::string(message.target()),
                                     std::move(fields));
    if (!request) return request;
    request->body = std::move(message.body());
    request->remote_address = remote_;
    request->peer_certificates_der = peer_chain_;
    if (request->request_id.empty()) request->request_id = server_.next_request_id();
    return request;
  }

  void dispatch(bhttp::request<bhttp::string_body> message) {
    keep_alive_ = message.keep_alive();
    auto made = to_request(message);
    if (!made) return refuse(400, made.error());
    auto request = std::make_shared<Request>(std::move(*made));
    if (server_.on_network_thread(*request)) {
      request->on_network_thread = true;
      request->later_on_network_thread = [executor = server_.ioc.get_executor()](std::function<void()> task) {
        net::post(executor, std::move(task));
      };
      Response response = handled(*request);
      request->on_network_thread = false;
      request->later_on_network_thread = nullptr;
      if (!response.hand_off) return answer(request, std::move(response), net::make_work_guard(stream_.get_executor()));
    }
    auto& pool = server_.has_priority(*request) ? server_.priority_workers : server_.workers;
    // The work guard keeps the network threads running while a handler works.
    net::post(pool, [self = this->shared_from_this(), request,
                                guard = net::make_work_guard(stream_.get_executor())]() mutable {
      self->answer(request, self->handled(*request), std::move(guard));
    });
  }

  Response handled(Request& request) {
    try {
      return server_.handler(request);
    } catch (...) {
      Response response;
      response.status = 500;
      response.body = error_body("internal error");
      return response;
    }
  }

  // Writes the handler's response on the network thread, or once it
  // completes for a deferred one.
  template <class Guard>
  void answer(const std::shared_ptr<Request>& request, Response response, Guard guard) {
    auto self = this->shared_from_this();
    if (auto deferred = std::move(response.deferred)) {
      // The handler's thread goes on; the answer comes on whichever thread
      // completes it, and is written on the network's.
      deferred->then([self, request, guard = std::move(guard)](Response answer) mutable {
        net::post(self->stream_.get_executor(), [self, request, answer = std::move(answer)]() mutable {
          self->finish(*request, std::move(answer));
        });
      });
      return;
    }
    net::post(self->stream_.get_executor(), [self, request, response = std::move(response)]() mutable {
      self->finish(*request, std::move(response));
    });
  }

  template <class Body>
  static void fill_head(bhttp::response<Body>& message, const Request& request, const Response& response) {
    message.version(11);
    message.result(static_cast<unsigned>(response.status));
    // 204 and 304 carry no content, so no type either (RFC 9110 §15.3.5).
    if (response.status != 204 && response.status != 304) message.set(bhttp::field::content_type, response.content_type);
    message.set(bhttp::field::cache_control, "no-store");
    message.set("X-Request-ID", request.request_id);
    // A response's own headers replace the defaults above; Set-Cookie is
    // the one header that legitimately repeats (RFC 6265 §3).
    for (const auto& [name, value] : response.headers) {
      if (beast::iequals(name, "Set-Cookie")) message.insert(name, value);
      else message.set(name, value);
    }
  }

  void finish(const Request& request, Response response) {
    if (response.stream) {
      if (response.status == 200 && reserve_stream()) return start_stream(request, std::move(response));
      const auto limit = server_.settings.limits.max_streams;
      response = Response{};
      response.status = 503;
      response.body = error_body("too many event streams are open (at most " + std::to_string(limit) + "); try again later");
    }
    const auto elapsed = SteadyClock::now() - started_;
    if (server_.observer) server_.observer(request, response, elapsed);
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    fill_head(*message, request, response);
    const bool keep = keep_alive_ && !server_.stopping;
    message->keep_alive(keep);
    message->body() = std::move(response.body);
    message->prepare_payload();
    tcp_layer().expires_after(server_.settings.limits.request_timeout);
    bhttp::async_write(stream_, *message,
                      [self = this->shared_from_this(), message, keep](beast::error_code ec, std::size_t) {
                        if (ec || !keep) return self->close();
                        self->wait_for_request();
                      });
  }

  // Streamed answers (Server-Sent Events). The head goes out with chunked
  // transfer encoding, then whatever the BodyStream has, polled on this
  // connection's own strand; a pending read notices the client leaving.
  // One write at a time: an end asked for while a chunk is on its way waits
  // for it.
  bool reserve_stream() {
    if (server_.streams.fetch_add(1) < server_.settings.limits.max_streams) return true;
    --server_.streams;
    return false;
  }

  void start_stream(const Request& request, Response response) {
    streaming_ = true;
    keep_alive_ = false;
    body_stream_ = std::move(response.stream);
    if (server_.observer) server_.observer(request, response, SteadyClock::now() - started_);
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>();
    fill_head(*head, request, response);
    head->keep_alive(false);
    head->chunked(true);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    writing_ = true;
    tcp_layer().expires_after(server_.settings.limits.request_timeout);
    bhttp::async_write_header(stream_, *serializer,
                             [self = this->shared_from_this(), head, serializer](beast::error_code ec, std::size_t) {
                               self->writing_ = false;
                               if (ec) return self->end_stream(false);
                               self->tcp_layer().expires_never();
                               self->watch_for_hangup();
                               if (self->end_asked_) return self->end_stream(true);
                               self->poll_stream();
                             });
  }

  void watch_for_hangup() {
    stream_.async_read_some(net::buffer(hangup_buffer_), [self = this->shared_from_this()](beast::error_code, std::size_t) {
      // A listener sends nothing after its request: bytes, the end of the
      // connection or an error all end the stream.
      self->end_stream(false);
    });
  }

  void poll_stream() {
    if (stream_ended_) return;
    if (server_.stopping) return end_stream(true);
    std::optional<std::string> piece;
    try {
      piece = body_stream_->next();
    } catch (...) {
      piece.reset();
    }
    if (!piece) return end_stream(true);
    if (piece->empty()) return wait_for_more();
    auto data = std::make_shared<std::string>(std::move(*piece));
    writing_ = true;
    tcp_layer().expires_after(server_.settings.limits.request_timeout);
    net::async_write(stream_, bhttp::make_chunk(net::buffer(*data)),
                     [self = this->shared_from_this(), data](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       if (ec) return self->end_stream(false);
                       self->tcp_layer().expires_never();
                       if (self->end_asked_) return self->end_stream(true);
                       self->wait_for_more();
                     });
  }

  void wait_for_more() {
    if (!stream_timer_) stream_timer_ = std::make_unique<Timer>(stream_.get_executor());
    stream_timer_->expires_after(HttpServer::kStreamPollInterval);
    stream_timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->poll_stream();
    });
  }

  // `say_so`: send the last chunk first (the server ends the stream); else
  // just drop the connection (the client left, or a write failed).
  void end_stream(bool say_so) {
    if (stream_ended_) return;
    if (say_so && writing_) {
      end_asked_ = true;
      return;
    }
    stream_ended_ = true;
    --server_.streams;
    if (stream_timer_) stream_timer_->cancel();
    body_stream_.reset();
    if (!say_so || closed_) return drop();
    writing_ = true;
    tcp_layer().expires_after(server_.settings.limits.request_timeout);
    net::async_write(stream_, bhttp::make_chunk_last(),
                     [self = this->shared_from_this()](beast::error_code, std::size_t) { self->drop(); });
  }

  // Ends a streamed connection at once: the last chunk already told the
  // client the answer is complete, and a pending read is cut with it.
  void drop() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer().socket().close(ignored);
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    if constexpr (kTls) {
      tcp_layer().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        self->tcp_layer().socket().close(ignored);
      });
    } else {
      beast::error_code ignored;
      tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
      tcp_layer().socket().close(ignored);
    }
  }

  HttpServer::Impl& server_;
  Stream stream_;
  std::string remote_;
  std::vector<std::string> peer_chain_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::unique_ptr<Timer> idle_timer_;
  SteadyClock::time_point started_ = SteadyClock::now();
  bool idle_ = true;
  bool keep_alive_ = true;
  bool closed_ = false;
  // A streamed answer's state; touched only on this connection's strand.
  std::shared_ptr<BodyStream> body_stream_;
  std::unique_ptr<Timer> stream_timer_;
  std::array<char, 256> hangup_buffer_{};
  bool streaming_ = false;
  bool stream_ended_ = false;
  bool writing_ = false;
  bool end_asked_ = false;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, Socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpServer::Impl::on_accept(beast::error_code ec, Socket socket) {
  if (stopping || !acceptor.is_open()) return;
  if (ec && ec != net::error::connection_aborted) return pause_accepting(ec);
  if (accept_paused) {
    accept_paused = false;
    log_event("accepting", "accepting connections again (" + std::to_string(connections) + " open)");
  }
  if (!ec) start_session(std::move(socket));
  accept();
}

// Out of file descriptors (EMFILE, ENFILE) or kernel memory, the waiting
// connection stays in the backlog and an immediate retry fails the same
// way at once: the loop would spin a core and starve the connections being
// served, whose closing is what frees descriptors. So wait a little, and
// say so once per episode rather than per failure.
void HttpServer::Impl::pause_accepting(const beast::error_code& ec) {
  if (!accept_paused) {
    accept_paused = true;
    log_event("accept_paused", "cannot accept connections: " + ec.message() + " (" + std::to_string(connections) +
                                   " open); retrying every 100 ms");
  }
  accept_pause.expires_after(std::chrono::milliseconds(100));
  accept_pause.async_wait([this](beast::error_code wait_error) {
    if (!wait_error && !stopping) accept();
  });
}

void HttpServer::Impl::start_session(Socket socket) {
  if (connections >= settings.limits.max_connections) {
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  ++connections;
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (tls) {
    auto s = std::make_shared<Session<beast::ssl_stream<TcpStream>>>(
        *this, beast::ssl_stream<TcpStream>(TcpStream(std::move(socket)), *tls));
    register_session(s);
    s->start();
  } else {
    auto s = std::make_shared<Session<TcpStream>>(*this, TcpStream(std::move(socket)));
    register_session(s);
    s->start();
  }
}

HttpServer::HttpServer(ListenSettings settings, Handler handler, Observer observer)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(handler), std::move(observer))) {}

HttpServer::~HttpServer() {
  impl_->workers.join();
  impl_->priority_workers.join();
}

std::uint16_t HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::run(bool handle_signals) {
  if (handle_signals) {
    impl_->signals.add(SIGTERM);
    impl_->signals.add(SIGINT);
    impl_->signals.async_wait([this](beast::error_code ec, int) {
      if (!ec) impl_->begin_stop();
    });
  }
  impl_->accept();
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < std::max(1u, impl_->settings.network_threads); ++i) {
    threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (auto& t : threads) t.join();
  impl_->workers.join();
  impl_->priority_workers.join();
}

void HttpServer::stop() {
  net::post(impl_->ioc, [this] { impl_->begin_stop(); });
}

}  // namespace mandate::http
