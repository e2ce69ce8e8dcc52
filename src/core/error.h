#pragma once
// The one error vocabulary. Every failure that leaves a function as an
// exception is an Error with a kind; the kind alone decides how an edge
// reports it, through the two tables below: the HTTP status the server
// answers with and the exit code the CLI ends with. Inside a module a parser
// may answer std::expected<T, std::string> (the reason, no kind yet); the
// module turns that into an Error, adding where, before it leaves.
#include <stdexcept>
#include <string>
#include <string_view>

namespace mandate {

enum class ErrorKind {
  bad_input,               // malformed or invalid input; nothing was changed
  unsupported_media_type,  // the input is declared in a format this place does not read
  unauthenticated,         // no credential, or one that did not verify
  forbidden,               // a known caller that may not do this
  not_found,               // a named thing does not exist
  conflict,                // the state changed underneath (e.g. another writer), or the change contradicts it
  check_failed,            // a verification ran and found a problem
  io,                      // the environment failed: disk, database, OS, network; may pass by itself
  corruption,              // stored data is damaged: nobody's input, an operator must restore it
  internal,                // a bug or a library refusing what should work: never the caller's fault
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) { throw Error(kind, message); }

std::string_view to_string(ErrorKind kind);

// The server's table: the status each kind is answered with.
int http_status(ErrorKind kind);
// Its inverse, for a client reading a server's answer (the CLI with --server).
ErrorKind kind_of_http_status(int status);

// The CLI's table: 0 ok, 1 a check failed, 2 bad input or usage, 3 the
// environment (or mandate itself) failed.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitEnvironment = 3;
int exit_code(ErrorKind kind);

}  // namespace mandate
