#include "server/internal/http_server.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <time.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "server/internal/open_files.h"
#include "server/raw_http.h"
#include "server/internal/router.h"

namespace mandate::server {
namespace {

using testing::RawConnection;
using namespace std::chrono_literals;

// A server on a free loopback port, run on its own thread, stopped at the end.
class RunningServer {
 public:
  RunningServer(Handler handler, Limits limits = {}) : RunningServer(std::move(handler), settings_with(limits)) {}
  RunningServer(Handler handler, ListenSettings settings) {
    server_ = std::make_unique<HttpServer>(settings, std::move(handler), [this](const Request&, const Response& r, auto) {
      ++answered_;
      last_status_ = r.status;
    });
    thread_ = std::thread([this] { server_->run(false); });
  }
  ~RunningServer() { stop(); }
  void stop() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }
  static ListenSettings settings_with(Limits limits) {
    ListenSettings settings;
    settings.port = 0;
    settings.handler_threads = 4;
    settings.limits = limits;
    return settings;
  }
  std::uint16_t port() const { return server_->port(); }
  int answered() const { return answered_; }
  bool running() const { return thread_.joinable(); }
  std::thread& thread() { return thread_; }
  HttpServer& server() { return *server_; }

 private:
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::atomic<int> answered_{0};
  std::atomic<int> last_status_{0};
};

Response echo(Request& request) {
  Response response;
  response.body = request.method + " " + request.path + " " + request.body;
  response.content_type = "text/plain";
  return response;
}

TEST(HttpServer, AnswersAndEchoesTheRequestId) {
  RunningServer server(echo);
  RawConnection c(server.port());
  c.send("POST /v1/x?a=1 HTTP/1.1\r\nHost: t\r\nX-Request-ID: abc-123\r\nContent-Length: 5\r\n\r\nhello");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(testing::status_of(*r), 200);
  EXPECT_EQ(testing::body_of(*r), "POST /v1/x hello");
  EXPECT_EQ(testing::header_of(*r, "X-Request-ID"), "abc-123");
  EXPECT_EQ(testing::header_of(*r, "Cache-Control"), "no-store");
}

TEST(HttpServer, MakesARequestIdWhenNoneOrAHostileOneIsSent) {
  RunningServer server(echo);
  RawConnection c(server.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Request-ID: has space\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  auto id = testing::header_of(*r, "X-Request-ID");
  ASSERT_TRUE(id);
  EXPECT_NE(*id, "has space");
  EXPECT_FALSE(id->empty());
}

TEST(HttpServer, KeepsTheConnectionAliveBetweenRequests) {
  RunningServer server(echo);
  RawConnection c(server.port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("GET /n" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(testing::body_of(*r), "GET /n" + std::to_string(i) + " ");
  }
}

TEST(HttpServer, RefusesAnOversizedBodyWith413AndNeverCallsTheHandler) {
  std::atomic<int> called{0};
  Limits limits;
  limits.max_body_bytes = 1000;
  RunningServer server([&](Request& r) { ++called; return echo(r); }, limits);
  RawConnection c(server.port());
  c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(testing::status_of(*r), 413);
  EXPECT_EQ(called, 0);
}

// Found by src/server/fuzz/http_request_fuzz: Beast accepts any request
// target, and the router split "v1/tasks/t-1" as it splits "/v1/tasks/t-1".
TEST(HttpServer, RefusesATargetThatIsNotAnAbsolutePathWith400AndNeverCallsTheHandler) {
  std::atomic<int> called{0};
  RunningServer server([&](Request& r) { ++called; return echo(r); });
  for (const std::string target : {"v1/tasks/t-1", "http://t/v1/tasks/t-1", "*", "\xd1v1/trace/m-1?format=json"}) {
    RawConnection c(server.port());
    c.send("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(testing::status_of(*r), 400) << target;
    EXPECT_NE(testing::body_of(*r).find("origin-form"), std::string::npos) << target;
  }
  EXPECT_EQ(called, 0);
}

TEST(RequestHead, SplitsTheTargetLowerCasesNamesAndKeepsAnAcceptableRequestId) {
  auto r = request_from_head("GET", "/v1/tasks?state=open&x", {{"X-Request-ID", "abc-1"}, {"Content-Type", "a/b"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/v1/tasks");
  EXPECT_EQ(r->query, "state=open&x");
  EXPECT_EQ(r->header("content-type"), "a/b");
  EXPECT_EQ(r->request_id, "abc-1");
  auto hostile = request_from_head("GET", "/", {{"x-request-id", "has space"}});
  ASSERT_TRUE(hostile);
  EXPECT_EQ(hostile->request_id, "");
  EXPECT_FALSE(request_from_head("GET", "v1/tasks", {}));
  EXPECT_FALSE(request_from_head("GET", "https://t/v1/tasks", {}));
  EXPECT_FALSE(request_from_head("OPTIONS", "*", {}));
}

TEST(HttpServer, RefusesAnOversizedHeaderWith431) {
  Limits limits;
  limits.max_header_bytes = 2048;
  RunningServer server(echo, limits);
  RawConnection c(server.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(testing::status_of(*r), 431);
}

TEST(HttpServer, RefusesGarbageWith400) {
  RunningServer server(echo);
  RawConnection c(server.port());
  c.send("THIS IS NOT HTTP\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(testing::status_of(*r), 400);
}

TEST(HttpServer, ClosesASlowClientAfterTheRequestTimeout) {
  Limits limits;
  limits.request_timeout = 300ms;
  RunningServer server(echo, limits);
  RawConnection c(server.port());
  c.send("GET / HTTP/1.1\r\nHost: t\r\n");  // and never the end of the header
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(HttpServer, ClosesAnIdleConnectionAfterTheIdleTimeout) {
  Limits limits;
  limits.idle_timeout = 300ms;
  RunningServer server(echo, limits);
  RawConnection c(server.port());
  EXPECT_TRUE(c.closed_by_peer(5s));
}

TEST(HttpServer, AHandlerThatThrowsGives500AndTheServerGoesOn) {
  RunningServer server([](Request& r) -> Response {
    if (r.path == "/boom") throw std::runtime_error("secret detail");
    return echo(r);
  });
  RawConnection c(server.port());
  c.send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(testing::status_of(*r), 500);
  EXPECT_EQ(testing::body_of(*r).find("secret"), std::string::npos);
  c.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(testing::status_of(*r), 200);
}

TEST(HttpServer, StopAnswersTheRequestsInFlightThenReturns) {
  std::promise<void> entered;
  RunningServer server([&](Request& r) {
    entered.set_value();
    std::this_thread::sleep_for(400ms);
    return echo(r);
  });
  RawConnection busy(server.port());
  RawConnection idle(server.port());
  busy.send("POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok");
  entered.get_future().wait();
  server.server().stop();
  auto r = busy.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(testing::body_of(*r), "POST /slow ok");
  EXPECT_EQ(testing::header_of(*r, "Connection"), "close");
  EXPECT_TRUE(idle.closed_by_peer(5s));
  server.thread().join();
  EXPECT_THROW(RawConnection{server.port()}, std::runtime_error);
}

// A load balancer's health check must not queue behind handlers that are
// all busy (a large batch of decisions each): the listener answers it on
// a thread of its own.
TEST(HttpServer, HealthChecksAnswerWhileEveryHandlerIsBusy) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> busy{0};
  ListenSettings settings = RunningServer::settings_with({});
  settings.handler_threads = 2;
  settings.priority_paths = {"/healthz"};
  RunningServer server(
      [&](Request& r) {
        if (r.path == "/slow") {
          ++busy;
          released.wait();
        }
        return echo(r);
      },
      settings);
  RawConnection first(server.port()), second(server.port());
  first.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  second.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  while (busy < 2) std::this_thread::sleep_for(5ms);  // both handler threads are taken

  RawConnection check(server.port());
  check.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  auto r = check.read_response(10s);
  const bool answered = r.has_value();
  release.set_value();
  ASSERT_TRUE(answered) << "/healthz waited for the busy handlers";
  EXPECT_EQ(testing::body_of(*r), "GET /healthz ");
  // Only the exact paths, and only GET: anything else waits its turn.
  check.send("POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(check.read_response(10s));
  EXPECT_TRUE(first.read_response(10s));
  EXPECT_TRUE(second.read_response(10s));
}

// A network-thread path's handler runs where the request was read, and
// runs again on the pool when it hands the request off; other paths and
// methods go to the pool. Tested by thread: the pool's threads are busy.
TEST(HttpServer, NetworkThreadPathsRunWhereTheyWereReadUnlessHandedOff) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> busy{0};
  std::atomic<int> handed_off_runs{0};
  ListenSettings settings = RunningServer::settings_with({});
  settings.handler_threads = 1;
  settings.network_thread_paths = {"/decide", "/maybe"};
  RunningServer server(
      [&](Request& r) {
        if (r.path == "/slow") {
          ++busy;
          released.wait();
        }
        if (r.path == "/maybe" && r.on_network_thread) return Response::handed_off();
        if (r.path == "/maybe") ++handed_off_runs;
        Response response = echo(r);
        response.body += r.on_network_thread ? "(network)" : "(pool)";
        return response;
      },
      settings);
  RawConnection slow(server.port());
  slow.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  while (busy < 1) std::this_thread::sleep_for(5ms);  // the one handler thread is taken

  RawConnection client(server.port());
  client.send("POST /decide HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx");
  auto inline_answer = client.read_response(10s);
  const bool answered = inline_answer.has_value();
  // Handed off, a GET of the same path, and another path wait for the pool.
  RawConnection maybe(server.port()), get(server.port()), other(server.port());
  maybe.send("POST /maybe HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  get.send("GET /decide HTTP/1.1\r\nHost: t\r\n\r\n");
  other.send("POST /other HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  const bool maybe_waited = !maybe.read_response(300ms).has_value();
  release.set_value();
  ASSERT_TRUE(answered) << "a network-thread path waited for the busy pool";
  EXPECT_EQ(testing::body_of(*inline_answer), "POST /decide x(network)");
  EXPECT_TRUE(maybe_waited) << "a handed-off request was answered without the pool";
  const auto maybe_answer = maybe.read_response(10s);
  ASSERT_TRUE(maybe_answer);
  EXPECT_EQ(testing::body_of(*maybe_answer), "POST /maybe (pool)");
  EXPECT_EQ(handed_off_runs, 1);
  const auto get_answer = get.read_response(10s);
  ASSERT_TRUE(get_answer);
  EXPECT_EQ(testing::body_of(*get_answer), "GET /decide (pool)");
  const auto other_answer = other.read_response(10s);
  ASSERT_TRUE(other_answer);
  EXPECT_EQ(testing::body_of(*other_answer), "POST /other (pool)");
  EXPECT_TRUE(slow.read_response(10s));
}

std::size_t descriptors_in_use() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n - 1;  // the iterator's own
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// With the open-file limit used up, accept() fails at once for as long as
// the waiting connection stays in the backlog: retrying at once spins a
// core. The server waits instead, and accepts again once connections close.
// (Client and server share this process, so its limit is theirs.)
TEST(HttpServer, OutOfFileDescriptorsTheIdleServerBacksOffAndRecovers) {
  RunningServer server(echo);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server.port()));
    idle.back()->send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(idle.back()->read_response(10s));
  }
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  rlimit lowered = original;
  lowered.rlim_cur = descriptors_in_use() + 1;  // room for one more socket: the client's
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  std::unique_ptr<RawConnection> waiting;
  try {
    waiting = std::make_unique<RawConnection>(server.port());  // in the backlog: the server has no descriptor for it
  } catch (...) {
    setrlimit(RLIMIT_NOFILE, &original);
    throw;
  }

  const double before = process_cpu_seconds();
  std::this_thread::sleep_for(2s);
  const double spent = process_cpu_seconds() - before;

  idle.clear();  // descriptors free up on both sides
  waiting->send("GET /again HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto r = waiting->read_response(10s);
  setrlimit(RLIMIT_NOFILE, &original);
  EXPECT_LT(spent, 0.4) << "the server spun on accept() for " << spent << " s of CPU in 2 s";
  ASSERT_TRUE(r) << "the server did not accept again once descriptors were free";
  EXPECT_EQ(testing::body_of(*r), "GET /again ");
}

// A streamed body: `pieces` one per poll ("" is "nothing yet"), then the
// end, or nothing more for ever when `endless`.
class Pieces final : public BodyStream {
 public:
  Pieces(std::vector<std::string> pieces, bool endless) : pieces_(std::move(pieces)), endless_(endless) {}
  std::optional<std::string> next() override {
    if (next_ < pieces_.size()) return pieces_[next_++];
    if (endless_) return std::string();
    return std::nullopt;
  }

 private:
  std::vector<std::string> pieces_;
  std::size_t next_ = 0;
  bool endless_;
};

Handler streaming(std::vector<std::string> pieces, bool endless) {
  return [pieces, endless](Request& request) {
    if (request.path != "/events") return echo(request);
    Response r;
    r.content_type = "text/event-stream";
    r.stream = std::make_shared<Pieces>(pieces, endless);
    return r;
  };
}

constexpr const char* kEventsRequest = "GET /events HTTP/1.1\r\nHost: t\r\n\r\n";

TEST(HttpServer, StreamsABodyInChunksAsItIsProducedThenEndsIt) {
  RunningServer server(streaming({"data: one\n\n", "", "", "data: two\n\n"}, false));
  RawConnection c(server.port());
  c.send(kEventsRequest);
  const auto head = c.read_until("\r\n\r\n");
  ASSERT_TRUE(head);
  EXPECT_EQ(testing::status_of(*head), 200);
  EXPECT_EQ(testing::header_of(*head, "Transfer-Encoding"), "chunked");
  EXPECT_EQ(testing::header_of(*head, "Content-Type"), "text/event-stream");
  EXPECT_EQ(testing::header_of(*head, "Cache-Control"), "no-store");
  EXPECT_TRUE(testing::header_of(*head, "X-Request-ID"));
  EXPECT_FALSE(testing::header_of(*head, "Content-Length"));
  const auto body = c.read_until("0\r\n\r\n");
  ASSERT_TRUE(body);
  EXPECT_EQ(*body, "b\r\ndata: one\n\n\r\nb\r\ndata: two\n\n\r\n0\r\n\r\n");
  EXPECT_TRUE(c.closed_by_peer(2s));
}

TEST(HttpServer, AnOpenStreamHoldsNoHandlerThread) {
  ListenSettings settings = RunningServer::settings_with({});
  settings.handler_threads = 1;
  RunningServer server(streaming({"data: hello\n\n"}, true), settings);
  RawConnection listener(server.port());
  listener.send(kEventsRequest);
  ASSERT_TRUE(listener.read_until("data: hello"));
  RawConnection other(server.port());
  other.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto r = other.read_response(5s);
  ASSERT_TRUE(r) << "the one handler thread is held by the stream";
  EXPECT_EQ(testing::status_of(*r), 200);
}

TEST(HttpServer, StreamsBeyondTheLimitAre503AndAClientLeavingFreesItsPlace) {
  Limits limits;
  limits.max_streams = 1;
  RunningServer server(streaming({"data: hello\n\n"}, true), limits);
  auto first = std::make_unique<RawConnection>(server.port());
  first->send(kEventsRequest);
  ASSERT_TRUE(first->read_until("data: hello"));
  RawConnection second(server.port());
  second.send(kEventsRequest);
  const auto refused = second.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(testing::status_of(*refused), 503);
  EXPECT_NE(testing::body_of(*refused).find("too many event streams"), std::string::npos) << *refused;
  first.reset();  // the listener goes away
  bool admitted = false;
  for (int attempt = 0; attempt < 40 && !admitted; ++attempt) {
    RawConnection again(server.port());
    again.send(kEventsRequest);
    const auto head = again.read_until("\r\n\r\n", 2s);
    admitted = head && testing::status_of(*head) == 200;
    if (!admitted) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(admitted) << "the place of a listener that left was not freed";
}

TEST(HttpServer, StopEndsOpenStreamsWithTheirLastChunk) {
  RunningServer server(streaming({"data: hello\n\n"}, true));
  RawConnection c(server.port());
  c.send(kEventsRequest);
  ASSERT_TRUE(c.read_until("data: hello"));
  const auto stopping = std::chrono::steady_clock::now();
  server.stop();  // returns once run() has returned
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s);
  const auto rest = c.read_until("0\r\n\r\n", 2s);
  ASSERT_TRUE(rest);
  EXPECT_TRUE(c.closed_by_peer(2s));
}

TEST(OpenFiles, MaxConnectionsIsKeptWithinTheOpenFileLimit) {
  std::string warning;
  EXPECT_EQ(fit_max_connections(100, 1024, 20, warning), 100u);
  EXPECT_TRUE(warning.empty());
  EXPECT_EQ(fit_max_connections(10'000, 1024, 20, warning), 1024u - 20u - 64u);
  EXPECT_NE(warning.find("limits.max_connections = 10000 does not fit the open-file limit of 1024"), std::string::npos)
      << warning;
  EXPECT_EQ(connections_that_fit(50, 20), 0u);
  const OpenFileLimit raised = raise_open_file_limit();
  EXPECT_EQ(raised.soft, raised.hard) << "the soft limit is raised to the hard one";
}

TEST(Router, MatchesParametersAndAnswers404And405) {
  Router router;
  router.add("GET", "/v1/tasks/{id}", [](Request&, const PathParameters& p) {
    Response r;
    r.body = p.at("id");
    return r;
  });
  Request get;
  get.method = "GET";
  get.path = "/v1/tasks/t%2D1";
  EXPECT_EQ(router.route(get).body, "t-1");
  EXPECT_EQ(router.route(get).route, "/v1/tasks/{id}");
  Request post;
  post.method = "POST";
  post.path = "/v1/tasks/t1";
  auto r405 = router.route(post);
  EXPECT_EQ(r405.status, 405);
  Request unknown;
  unknown.method = "GET";
  unknown.path = "/v1/nothing";
  EXPECT_EQ(router.route(unknown).status, 404);
  Request bad_escape;
  bad_escape.method = "GET";
  bad_escape.path = "/v1/tasks/%zz";
  EXPECT_EQ(router.route(bad_escape).status, 404);
  Request not_utf8;
  not_utf8.method = "GET";
  not_utf8.path = "/v1/tasks/t%FF\x01";
  const auto r400 = router.route(not_utf8);
  EXPECT_EQ(r400.status, 400);
  EXPECT_EQ(r400.body, R"({"error":"path parameter id is not UTF-8: \"t\\xFF\\x01\""})");
}

TEST(Form, ParsesAndRefusesRepeatedOrMalformedParameters) {
  auto ok = parse_form("grant_type=urn%3Aietf%3Aparams&scope=a+b");
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)[0].second, "urn:ietf:params");
  EXPECT_EQ((*ok)[1].second, "a b");
  EXPECT_FALSE(parse_form("a=1&a=2"));
  EXPECT_FALSE(parse_form("a=%G1"));
  EXPECT_FALSE(parse_form("a=%4"));
  EXPECT_TRUE(media_type_matches("Application/JSON; charset=utf-8", "application/json"));
  EXPECT_FALSE(media_type_matches("text/json", "application/json"));
}

}  // namespace
}  // namespace mandate::server
