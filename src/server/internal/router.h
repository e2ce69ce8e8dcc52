#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// Routes by method and path pattern ("/v1/tasks/{id}/approvals"). A path no
// route matches is 404; a path some route matches with another method is
// 405 with Allow.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "server/internal/http_message.h"

namespace mandate::server {

using PathParameters = std::map<std::string, std::string, std::less<>>;
using RouteHandler = std::function<Response(Request&, const PathParameters&)>;

// How a pattern's last parameter matches: one segment, or the rest of the
// path however many segments it has ("/console/{path}" matching
// /console/tasks/t-1: the console's client-side routes).
enum class LastParameter { one_segment, rest_of_path };

class Router {
 public:
  void add(std::string method, std::string pattern, RouteHandler handler,
           LastParameter last = LastParameter::one_segment);
  Response route(Request& request) const;

  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
    LastParameter last = LastParameter::one_segment;
  };
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// {"error": message} with that status: the one shape every error takes.
Response error_response(int status, const std::string& message);
Response json_response(int status, std::string json_text);

}  // namespace mandate::server
