#pragma once
// The JSON views the edges show of the broker's answers: the CLI prints
// them and the server returns them, so both say the same thing.
#include <nlohmann/json.hpp>

#include "broker/broker.h"

namespace mandate::broker {

nlohmann::json to_json(const TaskView& view);
// The one answer that carries a credential: shown to its executor once.
nlohmann::json to_json(const IssuedMandate& issued);
nlohmann::json to_json(const DecisionResult& decision);

}  // namespace mandate::broker
