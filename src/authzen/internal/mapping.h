#pragma once
// Private to the authzen module: the build defines MANDATE_INSIDE_AUTHZEN only for src/authzen/ and tests/authzen/.
#ifndef MANDATE_INSIDE_AUTHZEN
#error "this header is internal to the authzen module; include a public authzen/ header instead"
#endif
// AuthZEN's information model onto Cedar's, for the general decision path:
//   subject  {type, id, properties} -> principal  type::"id", properties as attributes
//   action   {name, properties}     -> Action::"name"; a name written as a
//                                      Cedar uid (`Ns::Action::"name"`) is taken as it is;
//                                      properties as the action's attributes
//   resource {type, id, properties} -> resource   type::"id", properties as attributes
//   context  {...}                  -> context record
// Types are Cedar type names, namespaces included ("Todo::User"). Property
// values are Cedar's entity-JSON values (`{"__entity": {...}}`,
// `{"__extn": {...}}`, integers, strings, booleans, arrays, objects).
// Every parse error names the field: "subject.type: expected a string".
#include <string>

#include <nlohmann/json.hpp>

#include "broker/broker.h"

namespace mandate::authzen {

// Throws Error{bad_input} unless `body` is one JSON object.
nlohmann::json parse_body(std::string_view body);

// The member `key` of `object` as an object; absent is an error when required.
const nlohmann::json* object_member(const nlohmann::json& object, const std::string& key, const std::string& field,
                                    bool required);

// `id_required` false: for the element a search leaves open (its id ignored).
broker::EntityRef parse_entity(const nlohmann::json& entity, const std::string& field, bool id_required);
broker::EntityRef parse_action(const nlohmann::json& action, const std::string& field);

// The evaluation a request object describes (subject, action, resource, context).
broker::Evaluation parse_evaluation(const nlohmann::json& request);

// How an action comes back in a search result: its name as a request would give it.
std::string action_name(const broker::EntityRef& action);

}  // namespace mandate::authzen
