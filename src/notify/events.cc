#include "notify/internal/events.h"

#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "core/time.h"
#include "crypto/sha256.h"
#include "encoding/hex.h"
#include "encoding/url.h"
#include "notify/webhooks.h"

namespace mandate::notify {
namespace {

using nlohmann::json;

// The fields every event about a task carries: its identity, what it is
// for and who is involved. The allow-list: nothing else of the task (nor of
// the entry) is copied.
json task_data(const core::Task& task, const EventContext& context) {
  json data = {{"task_id", task.id},
               {"intent", task.intent},
               {"initiator", task.initiator},
               {"executor", task.executor},
               {"console_url", context.public_url + "/console/#/tasks/" + encoding::percent_encode(task.id)}};
  if (task.external_ref) {
    data["change_ref"] = *task.external_ref;
    if (context.change_url_template.contains("{reference}")) {
      data["change_url"] = encoding::change_url(context.change_url_template, *task.external_ref);
    }
  }
  return data;
}

Event make_event(std::string id, std::string_view name, const std::string& subject, const std::string& time,
                 json data, const EventContext& context) {
  const json cloud_event = {{"specversion", "1.0"},
                            {"id", id},
                            {"source", context.public_url},
                            {"type", std::string(kEventTypePrefix) + std::string(name)},
                            {"subject", subject},
                            {"time", time},
                            {"datacontenttype", "application/json"},
                            {"data", std::move(data)}};
  const auto digest = crypto::sha256(id);
  return {id, "msg_" + encoding::hex_encode(std::span(digest).first(16)), std::string(name), cloud_event.dump()};
}

}  // namespace

bool may_announce(std::string_view type) {
  return type == "task.requested" || type == "task.approval" || type == "task.denial" || type == "mandate.issued" ||
         type == "task.break_glass";
}

std::optional<Event> event_for_entry(const store::LedgerRow& row, broker::Broker& broker, const EventContext& context) {
  if (!may_announce(row.type)) return std::nullopt;
  const json entry = json::parse(row.body);
  const json& data = entry.at("data");
  const std::string& type = row.type;
  std::string_view name;
  json fields;
  std::string task_id;
  if (type == "task.requested" || type == "task.break_glass") {
    const broker::TaskRecord task = broker::task_from_json(data.at("task"));
    task_id = task.task.id;
    fields = task_data(task.task, context);
    name = kTaskRequested;
    if (type == "task.break_glass") {
      name = kBreakGlass;
      fields["reason"] = task.break_glass_reason;
      if (task.review) fields["review_deadline"] = core::format_timestamp(task.review->deadline);
    }
  } else {
    task_id = entry.at("refs").at("task").get<std::string>();
    if (type == "mandate.issued") {
      const broker::MandateRecord mandate = broker::mandate_from_json(data.at("mandate"));
      name = kMandateIssued;
      fields = task_data(broker.task(task_id).record.task, context);
      fields["mandate_id"] = mandate.mandate.id;
      fields["expires_at"] = core::format_timestamp(mandate.mandate.expires_at);
      fields["break_glass"] = mandate.break_glass;
    } else {
      // An approval or denial announces the task's end state only: an
      // approval that leaves the task pending changes nothing to act on.
      const std::string state = data.value("task_state", "");
      if (state != (type == "task.approval" ? "approved" : "denied")) return std::nullopt;
      const core::Approval approval = broker::approval_from_json(data.at("approval"));
      name = type == "task.approval" ? kTaskApproved : kTaskDenied;
      fields = task_data(broker.task(task_id).record.task, context);
      fields["approver"] = approval.approver;
      fields["decision"] = std::string(core::to_string(approval.decision));
      fields["comment"] = approval.comment;
    }
  }
  fields["ledger_index"] = row.index;
  return make_event(context.origin + "/" + std::to_string(row.index), name, task_id, entry.at("time").get<std::string>(),
                    std::move(fields), context);
}

Event review_overdue_event(const broker::TaskRecord& task, const EventContext& context) {
  json fields = task_data(task.task, context);
  fields["reason"] = task.break_glass_reason;
  const std::string deadline = task.review ? core::format_timestamp(task.review->deadline) : "";
  fields["review_deadline"] = deadline;
  return make_event(context.origin + "/review-overdue/" + task.task.id, kReviewOverdue, task.task.id, deadline,
                    std::move(fields), context);
}

}  // namespace mandate::notify
