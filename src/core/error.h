#pragma once
// The one error type that crosses module boundaries. Its kind decides how an
// edge reports it: the CLI's exit code (main.cc) and the HTTP status
// (server/route_support.cc), each in one table.
#include <stdexcept>
#include <string>

namespace mandate {

enum class ErrorKind {
  bad_input,     // malformed or invalid input; nothing was changed
  not_found,     // a named thing does not exist
  check_failed,  // a verification ran and found a problem
  conflict,      // the state changed underneath (e.g. another writer)
  io,            // the environment failed: disk, database, OS
  corruption,    // stored data is damaged (a corrupt database file): nobody's input, an operator must restore it
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) { throw Error(kind, message); }

}  // namespace mandate
