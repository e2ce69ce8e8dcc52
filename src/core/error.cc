#include "core/error.h"

namespace mandate {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::bad_input: return "bad_input";
    case ErrorKind::unsupported_media_type: return "unsupported_media_type";
    case ErrorKind::unauthenticated: return "unauthenticated";
    case ErrorKind::forbidden: return "forbidden";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::conflict: return "conflict";
    case ErrorKind::check_failed: return "check_failed";
    case ErrorKind::io: return "io";
    case ErrorKind::corruption: return "corruption";
    case ErrorKind::internal: return "internal";
  }
  return "internal";
}

int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::bad_input: return 400;
    case ErrorKind::unsupported_media_type: return 415;
    case ErrorKind::unauthenticated: return 401;
    case ErrorKind::forbidden: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::conflict: return 409;
    case ErrorKind::check_failed: return 422;
    case ErrorKind::io: return 503;          // may pass (disk full, read-only): retry later
    case ErrorKind::corruption: return 500;  // will not pass by itself: an operator must restore the store
    case ErrorKind::internal: return 500;
  }
  return 500;
}

ErrorKind kind_of_http_status(int status) {
  switch (status) {
    case 401: return ErrorKind::unauthenticated;
    case 403: return ErrorKind::forbidden;
    case 404: return ErrorKind::not_found;
    case 409: return ErrorKind::conflict;
    case 415: return ErrorKind::unsupported_media_type;
    case 422: return ErrorKind::check_failed;
    case 500: return ErrorKind::internal;
    default: break;
  }
  if (status >= 400 && status < 500) return ErrorKind::bad_input;
  return ErrorKind::io;  // 502/503/504 and anything unexpected: the way to the server failed
}

int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::check_failed: return kExitCheckFailed;
    case ErrorKind::bad_input:
    case ErrorKind::unsupported_media_type:
    case ErrorKind::unauthenticated:
    case ErrorKind::forbidden:
    case ErrorKind::not_found:
    case ErrorKind::conflict: return kExitBadInput;
    case ErrorKind::io:
    case ErrorKind::corruption:
    case ErrorKind::internal: return kExitEnvironment;
  }
  return kExitEnvironment;
}

}  // namespace mandate
