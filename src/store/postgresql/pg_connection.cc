#include "store/postgresql/internal/pg_connection.h"

#include <endian.h>
#include <poll.h>
#include <libpq-fe.h>

#include <cstring>
#include <optional>

#include "core/error.h"

namespace mandate::store::postgresql {
namespace {

// What a failure means to whoever reads the message (SQLSTATE classes,
// PostgreSQL appendix A): the server gone or refusing for now is the
// environment, and may pass (503); a lost race is a conflict; damaged data
// needs an operator; anything else in statements mandate wrote is a bug.
ErrorKind kind_of(std::string_view sqlstate) {
  const std::string_view cls = sqlstate.substr(0, 2);
  if (sqlstate == kStaleVersion || sqlstate == kLedgerMoved) return ErrorKind::conflict;
  if (cls == "08" || cls == "57" || cls == "53" || cls == "58" || cls == "25") return ErrorKind::io;
  if (cls == "40" || cls == "23") return ErrorKind::conflict;
  if (cls == "XX" && (sqlstate == "XX001" || sqlstate == "XX002")) return ErrorKind::corruption;
  if (cls == "42" || cls == "22") return ErrorKind::internal;
  return ErrorKind::io;
}

std::string first_line(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

void Result::Clear::operator()(pg_result* r) const { PQclear(r); }
void Connection::Finish::operator()(pg_conn* c) const { PQfinish(c); }

void Params::add(std::string value, int format) {
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(format);
  values_.push_back(std::move(value));
}

const char* const* Params::values() const {
  pointers_.clear();
  for (const std::string& v : values_) pointers_.push_back(v.data());
  return pointers_.data();
}

Params& Params::text(std::string value) {
  add(std::move(value), 0);
  return *this;
}

Params& Params::integer(std::int64_t value) {
  add(std::to_string(value), 0);
  return *this;
}

Params& Params::bytes(std::string_view value) {
  add(std::string(value), 1);
  return *this;
}

Params& Params::bytes(std::span<const std::uint8_t> value) {
  add(std::string(reinterpret_cast<const char*>(value.data()), value.size()), 1);
  return *this;
}

namespace {

// Type oids from PostgreSQL's pg_type.dat: fixed since 7.x, part of the
// binary protocol.
constexpr std::uint32_t kInt8Oid = 20;
constexpr std::uint32_t kByteaOid = 17;
constexpr std::uint32_t kTextOid = 25;

void append_int32(std::string& out, std::uint32_t value) {
  const std::uint32_t be = htobe32(value);
  out.append(reinterpret_cast<const char*>(&be), sizeof be);
}

// A one-dimensional array in the binary format array_recv reads
// (src/backend/utils/adt/arrayfuncs.c): dimensions, a has-nulls flag, the
// element type, the length and lower bound, then each element as its
// length and its binary form. No element is escaped or parsed as text:
// the server copies a bytea's bytes as they are.
std::string binary_array(std::uint32_t element_type, std::size_t count, std::size_t payload) {
  std::string out;
  out.reserve(20 + 4 * count + payload);
  append_int32(out, 1);  // dimensions
  append_int32(out, 0);  // no NULLs
  append_int32(out, element_type);
  append_int32(out, static_cast<std::uint32_t>(count));
  append_int32(out, 1);  // lower bound
  return out;
}

std::string binary_array_of(std::uint32_t element_type, std::span<const std::string_view> values) {
  std::size_t payload = 0;
  for (const std::string_view v : values) payload += v.size();
  std::string out = binary_array(element_type, values.size(), payload);
  for (const std::string_view v : values) {
    append_int32(out, static_cast<std::uint32_t>(v.size()));
    out.append(v);
  }
  return out;
}

}  // namespace

Params& Params::text_array(std::span<const std::string_view> values) {
  add(binary_array_of(kTextOid, values), 1);
  return *this;
}

Params& Params::bytes_array(std::span<const std::string_view> values) {
  add(binary_array_of(kByteaOid, values), 1);
  return *this;
}

Params& Params::integer_array(std::span<const std::int64_t> values) {
  std::string out = binary_array(kInt8Oid, values.size(), 8 * values.size());
  for (const std::int64_t v : values) {
    append_int32(out, 8);
    const std::uint64_t be = htobe64(static_cast<std::uint64_t>(v));
    out.append(reinterpret_cast<const char*>(&be), sizeof be);
  }
  add(std::move(out), 1);
  return *this;
}

int Result::rows() const { return PQntuples(result_.get()); }

std::int64_t Result::integer(int row, int col) const {
  const char* v = PQgetvalue(result_.get(), row, col);
  const int length = PQgetlength(result_.get(), row, col);
  if (length == 8) {
    std::uint64_t be = 0;
    std::memcpy(&be, v, 8);
    return static_cast<std::int64_t>(be64toh(be));
  }
  if (length == 4) {
    std::uint32_t be = 0;
    std::memcpy(&be, v, 4);
    return static_cast<std::int32_t>(be32toh(be));
  }
  fail(ErrorKind::internal, "a PostgreSQL integer column has " + std::to_string(length) + " bytes");
}

std::string_view Result::bytes(int row, int col) const {
  return {PQgetvalue(result_.get(), row, col), static_cast<std::size_t>(PQgetlength(result_.get(), row, col))};
}

bool Result::is_null(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }

std::int64_t Result::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n == nullptr || *n == '\0' ? 0 : std::stoll(n);
}

std::string describe_server(const std::string& url) {
  PQconninfoOption* options = PQconninfoParse(url.c_str(), nullptr);
  if (options == nullptr) return "(an unparsable URL)";
  std::string host = "localhost", port = "5432", dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::strcmp(o->keyword, "host") == 0 || std::strcmp(o->keyword, "hostaddr") == 0) host = o->val;
    if (std::strcmp(o->keyword, "port") == 0) port = o->val;
    if (std::strcmp(o->keyword, "dbname") == 0) dbname = o->val;
  }
  PQconninfoFree(options);
  return host + ":" + port + "/" + dbname;
}

Connection::Connection(const ConnectionSettings& settings) {
  const std::string timeout = std::to_string(settings.connect_timeout.count());
  // Keepalives and a TCP timeout let a call on a vanished server fail
  // (503) instead of hanging its thread; the session settings make every
  // commit durable on the server whatever its default.
  const char* keywords[] = {"dbname", "password", "connect_timeout", "application_name", "options",
                            "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
                            "tcp_user_timeout", "client_encoding", nullptr};
  const char* values[] = {settings.url.c_str(),
                          settings.password.empty() ? nullptr : settings.password.c_str(),
                          timeout.c_str(),
                          "mandate",
                          "-c synchronous_commit=on",
                          "1", "5", "2", "3", "10000", "UTF8", nullptr};
  conn_.reset(PQconnectdbParams(keywords, values, 1));
  if (conn_ == nullptr || PQstatus(conn_.get()) != CONNECTION_OK) {
    const std::string why = conn_ != nullptr ? first_line(PQerrorMessage(conn_.get())) : "out of memory";
    fail(ErrorKind::io, "cannot reach the database " + describe_server(settings.url) + ": " + why);
  }
}

bool Connection::usable() const { return !broken_ && PQstatus(conn_.get()) == CONNECTION_OK; }

bool Connection::still_open() {
  if (!usable()) return false;
  // An idle connection (no LISTEN here) has nothing to read unless the
  // server is ending it: a restart sends "terminating connection" and
  // closes. Anything readable, or a closed socket, means start afresh.
  pollfd fd{PQsocket(conn_.get()), POLLIN, 0};
  if (fd.fd < 0 || ::poll(&fd, 1, 0) != 0) broken_ = true;
  return !broken_;
}

Result Connection::checked(pg_result* raw, std::string_view what) {
  Result result(raw);
  const ExecStatusType status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const char* state = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  last_failure_ = state != nullptr ? state : "";
  const std::string message = first_line(raw != nullptr && *PQresultErrorMessage(raw) != '\0'
                                             ? PQresultErrorMessage(raw)
                                             : PQerrorMessage(conn_.get()));
  if (PQstatus(conn_.get()) != CONNECTION_OK || state == nullptr) broken_ = true;
  const ErrorKind kind = state == nullptr ? ErrorKind::io : kind_of(state);
  if (kind == ErrorKind::io) broken_ = true;  // the session's state is unknown: start afresh
  if (kind == ErrorKind::corruption) {
    fail(kind, "the database reports damaged data (" + message + ", while: " + std::string(what) + "): restore it from a backup");
  }
  fail(kind, std::string(what) + ": " + (kind == ErrorKind::io ? "the database is unavailable: " : "") + message);
}

void Connection::exec(std::string_view sql) {
  const std::string text(sql);
  checked(PQexec(conn_.get(), text.c_str()), "statement failed");
}

Result Connection::query(std::string_view sql, const Params& params) {
  const std::string text(sql);
  return checked(PQexecParams(conn_.get(), text.c_str(), params.count(), nullptr, params.values(), params.lengths(),
                              params.formats(), 1),
                 "query failed");
}

Result Connection::prepared(const std::string& name, std::string_view sql, const Params& params) {
  if (!prepared_.contains(name)) {
    const std::string text(sql);
    checked(PQprepare(conn_.get(), name.c_str(), text.c_str(), 0, nullptr), "cannot prepare statement");
    prepared_.insert(name);
  }
  return checked(PQexecPrepared(conn_.get(), name.c_str(), params.count(), params.values(), params.lengths(),
                                params.formats(), 1),
                 "query failed");
}

std::vector<Result> Connection::pipeline(const std::vector<Statement>& statements) {
  send_pipeline(statements);
  return receive_pipeline(statements.size());
}

void Connection::send_pipeline(const std::vector<Statement>& statements) {
  pg_conn* c = conn_.get();
  // A statement is prepared while nothing is in flight (PQprepare waits
  // for its answer); until then it goes unprepared.
  for (const Statement& s : statements) {
    if (unread_syncs_ > 0 || s.prepared_as.empty() || prepared_.contains(s.prepared_as)) continue;
    checked(PQprepare(c, s.prepared_as.c_str(), s.sql.c_str(), 0, nullptr), "cannot prepare statement");
    prepared_.insert(s.prepared_as);
  }
  if (unread_syncs_ == 0 && PQenterPipelineMode(c) != 1) checked(nullptr, "cannot enter pipeline mode");
  bool sent = true;
  for (const Statement& s : statements) {
    sent = sent && (!prepared_.contains(s.prepared_as)
                        ? PQsendQueryParams(c, s.sql.c_str(), s.params.count(), nullptr, s.params.values(),
                                            s.params.lengths(), s.params.formats(), 1)
                        : PQsendQueryPrepared(c, s.prepared_as.c_str(), s.params.count(), s.params.values(),
                                              s.params.lengths(), s.params.formats(), 1)) == 1;
  }
  sent = sent && PQpipelineSync(c) == 1;
  if (sent) ++unread_syncs_;
  if (!sent) {
    broken_ = true;
    fail(ErrorKind::io, "the database is unavailable: " + first_line(PQerrorMessage(c)));
  }
}

bool Connection::answered_by(std::chrono::steady_clock::time_point deadline) {
  pg_conn* c = conn_.get();
  for (;;) {
    if (PQconsumeInput(c) != 1 || PQisBusy(c) == 0) return true;
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return false;
    const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    const timespec timeout{static_cast<time_t>(nanoseconds / 1'000'000'000), static_cast<long>(nanoseconds % 1'000'000'000)};
    pollfd fd{PQsocket(c), POLLIN, 0};
    if (fd.fd < 0) return true;
    ::ppoll(&fd, 1, &timeout, nullptr);
  }
}

std::vector<Result> Connection::receive_pipeline(std::size_t count) {
  pg_conn* c = conn_.get();
  last_failure_.clear();
  bool received = true;
  std::vector<Result> results;
  std::optional<Result> failed;  // the first statement that did not succeed
  // Read until the sync point even after a failure: the connection is only
  // usable again once the pipeline is drained.
  for (std::size_t i = 0; i < count; ++i) {
    pg_result* r = PQgetResult(c);
    if (r == nullptr) {
      received = false;
      break;
    }
    while (pg_result* extra = PQgetResult(c)) PQclear(extra);  // each statement ends with a null result
    const ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      results.emplace_back(r);
    } else if (!failed && status != PGRES_PIPELINE_ABORTED) {
      failed.emplace(r);
    } else {
      PQclear(r);
    }
  }
  if (received) {
    pg_result* sync = PQgetResult(c);
    received = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
  }
  if (received) --unread_syncs_;
  if (!received || (unread_syncs_ == 0 && PQexitPipelineMode(c) != 1)) {
    broken_ = true;
    fail(ErrorKind::io, "the database is unavailable: " + first_line(PQerrorMessage(c)));
  }
  if (failed) {
    pg_result* raw = failed->release();
    checked(raw, "query failed");
  }
  return results;
}

}  // namespace mandate::store::postgresql
