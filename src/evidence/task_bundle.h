#pragma once
// The evidence bundle about one task in a home: its trace's entries and the
// policy sets it was decided under, proven against a freshly signed
// checkpoint. What `mandate evidence export` prints and the server returns.
#include <string>

#include <nlohmann/json.hpp>

namespace mandate::home {
class Home;
}

namespace mandate::evidence {

nlohmann::json export_task_bundle(home::Home& home, const std::string& task_or_mandate_id);

}  // namespace mandate::evidence
