#pragma once
// The JSON views the edges show of the broker's answers: the CLI prints
// them and the server returns them, so both say the same thing.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "broker/broker.h"

namespace mandate::broker {

nlohmann::json to_json(const TaskView& view);
// The one answer that carries a credential: shown to its executor once.
nlohmann::json to_json(const IssuedMandate& issued);
nlohmann::json to_json(const DecisionResult& decision);
// to_json(decision) as the text dump() writes (members in name order),
// written without building the value: the server answers every decision
// with it. Nothing when a text in it is not well-formed UTF-8; the dump,
// which replaces what is not, answers then.
std::optional<std::string> decision_answer_text(const DecisionResult& decision);
// A task waiting for the caller's decision: the task as a person deciding
// reads it — intent, reference, who asks, who would act (kind, owner), the
// scope as stored and in words, each rule's progress.
nlohmann::json to_json(const AwaitingDecision& awaiting);
// A recorded decision as the auditor's search lists it.
nlohmann::json to_json(const FoundDecision& found);

}  // namespace mandate::broker
