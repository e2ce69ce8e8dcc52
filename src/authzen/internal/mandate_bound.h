#pragma once
// Private to the authzen module: the build defines MANDATE_INSIDE_AUTHZEN only for src/authzen/ and tests/authzen/.
#ifndef MANDATE_INSIDE_AUTHZEN
#error "this header is internal to the authzen module; include a public authzen/ header instead"
#endif
// Mandate-bound requests: a resource server asks whether the workload that
// presented a mandate may do this now. The subject carries the mandate and
// its proof of possession:
//   subject  {"type": "mandate", "id": "<the mandate's jti>",
//             "properties": {"token": "<mandate JWT>", "proof": "<proof JWT>"}}
//   action   {"name": "<the mandate action, e.g. deploy>"}
//   resource {"type": "<any, e.g. resource>", "id": "<the mandate resource, e.g. prod/payments>"}
//   context  {...}   -> Cedar context, beside context.mandate which mandate sets
// and Broker::authorize runs the full check sequence (signature ... scope,
// then Cedar) and records the decision. The answer's context carries
// decided_by, reasons, ledger_index, mandate_id, task_id and policy_set;
// never the token or the proof, in answers or errors.
#include <nlohmann/json.hpp>

#include "authzen/service.h"
#include "broker/broker.h"

namespace mandate::authzen {

bool is_mandate_bound(const nlohmann::json& request);

// The decision object; throws Error{bad_input} naming the field.
nlohmann::json decide_mandate_bound(broker::Broker& broker, const CallContext& call, const nlohmann::json& request);

}  // namespace mandate::authzen
