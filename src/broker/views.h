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
// A task waiting for the caller's decision: the task as a person deciding
// reads it — intent, reference, who asks, who would act (kind, owner), the
// scope as stored and in words, each rule's progress.
nlohmann::json to_json(const AwaitingDecision& awaiting);
// A recorded decision as the auditor's search lists it.
nlohmann::json to_json(const FoundDecision& found);

}  // namespace mandate::broker
