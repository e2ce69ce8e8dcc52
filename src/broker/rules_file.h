#pragma once
// Approval rules as a TOML file, read strictly: an unknown key, a wrong type
// or a bad duration is an error with file:line:column, and a file loads
// whole or not at all.
//
//   [[rule]]
//   id = "prod-deploy"
//   detail_types = ["deploy"]     # omitted or empty: applies to every task
//   approvals = 2
//   approver_groups = ["sre"]     # omitted or empty: any human separation of duties allows
//   max_task_duration = "2h"
//   max_mandate_lifetime = "15m"  # default 15m
//   max_uses = 10                 # default 1
//   break_glass = true            # default false
//   review_within = "24h"         # default 24h
#include <string_view>
#include <vector>

#include "core/approval_rule.h"

namespace mandate::broker {

// Throws Error{bad_input} with "<source>:<line>:<col>: why".
std::vector<core::ApprovalRule> parse_rules_file(std::string_view text, std::string_view source);

// What applies when no loaded rule matches a task: one approval, at most an
// hour of work, 15-minute mandates used once, no break-glass. A deployment
// that wants less friction must say so in a rule.
core::ApprovalRule default_rule();

}  // namespace mandate::broker
