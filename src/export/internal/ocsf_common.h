#pragma once
// Private to the export module: the build defines MANDATE_INSIDE_EXPORT only for src/export/ and tests/export/.
#ifndef MANDATE_INSIDE_EXPORT
#error "this header is internal to the export module; include a public export/ header instead"
#endif
// Internal to export/: the pieces every OCSF class mandate emits shares.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/audit_event.h"

namespace mandate::exporting::detail {

std::int64_t millis(core::Timestamp t);
nlohmann::json metadata(std::string_view uid);
// OCSF `user`: uid, type, name, credential and account of a principal.
nlohmann::json user_of(const core::Principal& principal, std::string_view credential = {}, std::string_view account = {});
nlohmann::json endpoint(const core::AuditEvent& e);
std::string_view provider(std::string_view source);
// 1 Success, 2 Failure (failed or denied), 0 Unknown.
int status_of(core::EventResult result);
std::string_view status_name(int status_id);
// What OCSF has no attribute for: under unmapped.mandate.
nlohmann::json unmapped_of(const core::AuditEvent& e);
// The base attributes of an event of class `class_uid` in `category_uid`.
nlohmann::json base_event(const core::AuditEvent& e, int category_uid, std::string_view category_name, int class_uid,
                          std::string_view class_name, int activity_id, std::string_view activity_name);
// The cloud profile (metadata.profiles "cloud"): `cloud` and `api`, for the
// IAM classes, which have neither of their own.
void add_cloud_profile(nlohmann::json& out, const core::AuditEvent& e);

}  // namespace mandate::exporting::detail
