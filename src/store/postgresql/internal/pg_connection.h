#pragma once
// Private to the store module: the build defines MANDATE_INSIDE_STORE only for src/store/ and tests/store/.
#ifndef MANDATE_INSIDE_STORE
#error "this header is internal to the store module; include a public store/ header instead"
#endif
// Thin RAII wrappers over libpq: one connection, one result, the
// parameters of one statement, and what a failure means.
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/postgresql/postgresql_store.h"

struct pg_conn;
struct pg_result;

namespace mandate::store::postgresql {

// Raised by mandate_expect_versions (migration 5) when a record moved
// under a commit: a conflict.
inline constexpr std::string_view kStaleVersion = "MD001";
// Raised by mandate_lock_head (migration 5) when the ledger is not at the
// size an append was numbered from: another server appended.
inline constexpr std::string_view kLedgerMoved = "MD002";

// Parameters of one statement: text, or binary for bytea (format 1).
class Params {
 public:
  Params& text(std::string value);
  Params& integer(std::int64_t value);
  Params& bytes(std::string_view value);
  Params& bytes(std::span<const std::uint8_t> value);
  // One array parameter, in binary (cast it in the SQL: $n::text[],
  // $n::bytea[], $n::bigint[]). A statement that takes a batch as arrays
  // (unnest) has one text whatever the batch's size, so it is prepared
  // once instead of parsed and planned per batch; binary, the server
  // neither unescapes nor parses the elements.
  Params& text_array(std::span<const std::string_view> values);
  Params& bytes_array(std::span<const std::string_view> values);
  Params& integer_array(std::span<const std::int64_t> values);
  int count() const { return static_cast<int>(values_.size()); }
  // Pointers into the values, taken when asked for: a moved Params (or a
  // short string moved with it) has its bytes elsewhere.
  const char* const* values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  void add(std::string value, int format);
  std::vector<std::string> values_;
  mutable std::vector<const char*> pointers_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// A result in binary format: integers arrive as big-endian int8/int4.
class Result {
 public:
  explicit Result(pg_result* result) : result_(result) {}
  int rows() const;
  std::int64_t integer(int row, int col) const;
  std::string_view bytes(int row, int col) const;
  std::string text(int row, int col) const { return std::string(bytes(row, col)); }
  bool is_null(int row, int col) const;
  std::int64_t affected() const;  // rows an INSERT/UPDATE/DELETE touched
  pg_result* release() { return result_.release(); }

 private:
  struct Clear {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

struct Statement {
  Statement(std::string text, Params parameters, std::string name = {})
      : sql(std::move(text)), params(std::move(parameters)), prepared_as(std::move(name)) {}
  std::string sql;
  Params params;
  // When set, the statement is prepared under this name once per
  // connection (before the pipeline that first sends it).
  std::string prepared_as;
};

class Connection {
 public:
  // Connects or throws Error{io} naming the server (never the password).
  explicit Connection(const ConnectionSettings& settings);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters.
  void exec(std::string_view sql);
  Result query(std::string_view sql, const Params& params);
  // As query, prepared once per connection under `name`.
  Result prepared(const std::string& name, std::string_view sql, const Params& params);
  // Sends all statements in one round trip (libpq's pipeline mode) and
  // returns their results in order; throws the first statement's failure,
  // after which the later ones did not run.
  std::vector<Result> pipeline(const std::vector<Statement>& statements);
  // pipeline() in two halves: the statements are sent, and what they
  // returned is read later (a commit the caller does not wait for yet).
  // Several may be sent before the first is read; they are read in the
  // order sent. Nothing else may use the connection in between.
  void send_pipeline(const std::vector<Statement>& statements);
  std::vector<Result> receive_pipeline(std::size_t count);
  // Waits until the server has answered what was sent (the next result can
  // be read without waiting), or until `deadline`; true in the first case,
  // and when the connection failed (reading then says how).
  bool answered_by(std::chrono::steady_clock::time_point deadline);
  // False once the server went away or a statement left it unusable: the
  // pool then drops the connection instead of lending it again.
  bool usable() const;
  // usable(), and the server has not closed the connection while it sat
  // idle (a restart does that): one non-blocking poll of its socket.
  bool still_open();
  // The SQLSTATE of the last statement that failed, "" when it had none.
  const std::string& last_failure() const { return last_failure_; }

 private:
  struct Finish {
    void operator()(pg_conn* c) const;
  };
  Result checked(pg_result* result, std::string_view what);
  std::unique_ptr<pg_conn, Finish> conn_;
  std::set<std::string> prepared_;
  std::string last_failure_;
  bool broken_ = false;
  std::size_t unread_syncs_ = 0;  // pipelines sent and not read yet
};

// The server named without credentials, for messages: host:port/dbname.
std::string describe_server(const std::string& url);

}  // namespace mandate::store::postgresql
