#include "cli/cli_context.h"

#include <iostream>

#include <nlohmann/json.hpp>

#include "home/home.h"

namespace mandate::cli {

std::unique_ptr<home::Home> open_home(const GlobalOptions& options) {
  return home::Home::open(home::resolve_home(options.home));
}

void print_json(const nlohmann::json& value) { std::cout << value.dump() << "\n"; }

}  // namespace mandate::cli
