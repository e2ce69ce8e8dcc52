// The listener over TLS, driven by an OpenSSL client on memory BIOs so the
// test decides exactly which bytes travel together.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "server/internal/http_server.h"
#include "support/process.h"

namespace mandate::server {
namespace {

using namespace std::chrono_literals;

// A self-signed P-256 certificate for localhost, as PEM files.
TlsSettings self_signed(const std::filesystem::path& dir) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  TlsSettings tls;
  tls.certificate_chain = dir / "cert.pem";
  tls.private_key = dir / "key.pem";
  tls.request_client_certificate = true;
  BIO* out = BIO_new_file(tls.certificate_chain.c_str(), "w");
  PEM_write_bio_X509(out, cert);
  BIO_free(out);
  out = BIO_new_file(tls.private_key.c_str(), "w");
  PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  BIO_free(out);
  X509_free(cert);
  EVP_PKEY_free(key);
  return tls;
}

// Connects, completes the handshake, and sends the client's last handshake
// flight together with `request` in one write — as a fast client does. What
// came back until the server closed or `timeout` passed, decrypted. With
// `session`, resumes *session when it is set and leaves the connection's
// session there; `reused` says whether the server resumed it.
std::string exchange(std::uint16_t port, const std::string& request, std::chrono::milliseconds timeout,
                     SSL_SESSION** session = nullptr, bool* reused = nullptr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return "connect failed";
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  // A TLS 1.3 session becomes resumable with the ticket the server sends
  // after the handshake: keep the last one.
  static thread_local SSL_SESSION* ticket = nullptr;
  ticket = nullptr;
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, [](SSL*, SSL_SESSION* s) {
    if (ticket) SSL_SESSION_free(ticket);
    ticket = s;
    return 1;  // we keep the reference
  });
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  SSL_set_connect_state(ssl);
  if (session && *session) SSL_set_session(ssl, *session);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto flush = [&] {
    char buffer[16384];
    std::string pending;
    int n = 0;
    while ((n = BIO_read(out, buffer, sizeof buffer)) > 0) pending.append(buffer, static_cast<std::size_t>(n));
    return pending.empty() || ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(pending.size());
  };
  const auto fill = [&] {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[16384];
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    BIO_write(in, buffer, static_cast<int>(n));
    return true;
  };
  std::string answer;
  bool handshaken = false;
  while (true) {
    const int r = SSL_do_handshake(ssl);
    if (r == 1) {
      handshaken = true;
      break;
    }
    if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ || !flush() || !fill()) break;
  }
  if (handshaken) {
    // The Finished message is still in `out`: the request joins it.
    SSL_write(ssl, request.data(), static_cast<int>(request.size()));
    if (flush()) {
      while (true) {
        char buffer[4096];
        const int n = SSL_read(ssl, buffer, sizeof buffer);
        if (n > 0) {
          answer.append(buffer, static_cast<std::size_t>(n));
          continue;
        }
        if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ || !flush() || !fill()) break;
      }
    }
  }
  if (reused) *reused = SSL_session_reused(ssl) == 1;
  // Done with it (the server closed): OpenSSL would otherwise mark the
  // session of an unfinished connection as not resumable.
  SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  if (session && ticket) {
    if (*session) SSL_SESSION_free(*session);
    *session = ticket;
  } else if (ticket) {
    SSL_SESSION_free(ticket);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return answer;
}

TEST(HttpServerTls, AnswersARequestSentWithTheLastHandshakeFlight) {
  mandate::testing::TempDir tmp;
  ListenSettings settings;
  settings.port = 0;
  settings.tls = self_signed(tmp.path());
  settings.limits.idle_timeout = 5s;
  HttpServer server(settings, [](Request& r) {
    Response response;
    response.content_type = "text/plain";
    response.body = "hello " + r.path;
    return response;
  }, nullptr);
  std::thread thread([&] { server.run(false); });
  const auto start = std::chrono::steady_clock::now();
  // Regression: the request's bytes were read into the TLS layer with the
  // handshake, and the server waited on the socket for them until the idle
  // timeout, then closed without answering.
  const auto answer = exchange(server.port(), "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 4s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("hello /x"), std::string::npos) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  server.stop();
  thread.join();
}

// Regression: with client certificates requested, a resumed session (every
// browser resumes, e.g. for its parallel connections) failed the handshake
// with an internal error alert: OpenSSL refuses to resume without a session
// id context. The web console's script then failed to load in Chromium.
TEST(HttpServerTls, ResumesASessionWhenClientCertificatesAreRequested) {
  mandate::testing::TempDir tmp;
  ListenSettings settings;
  settings.port = 0;
  settings.tls = self_signed(tmp.path());
  ASSERT_TRUE(settings.tls->request_client_certificate);
  settings.limits.idle_timeout = 5s;
  HttpServer server(settings, [](Request&) {
    Response response;
    response.content_type = "text/plain";
    response.body = "hello";
    return response;
  }, nullptr);
  std::thread thread([&] { server.run(false); });
  const std::string request = "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  SSL_SESSION* session = nullptr;
  bool reused = true;
  const auto first = exchange(server.port(), request, 4s, &session, &reused);
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
  EXPECT_FALSE(reused);
  ASSERT_NE(session, nullptr);
  const auto second = exchange(server.port(), request, 4s, &session, &reused);
  EXPECT_EQ(second.rfind("HTTP/1.1 200", 0), 0u) << second;
  EXPECT_TRUE(reused);
  SSL_SESSION_free(session);
  server.stop();
  thread.join();
}

}  // namespace
}  // namespace mandate::server
