#include "core/decision.h"

#include "core/internal/enum_names.h"

namespace mandate::core {
namespace {

constexpr detail::NameTable<CheckStage, 9> kCheckStageNames{{
    {CheckStage::signature, "signature"},
    {CheckStage::issuer, "issuer"},
    {CheckStage::audience, "audience"},
    {CheckStage::expiry, "expiry"},
    {CheckStage::revocation, "revocation"},
    {CheckStage::use_count, "use_count"},
    {CheckStage::key_binding, "key_binding"},
    {CheckStage::scope, "scope"},
    {CheckStage::policy, "policy"},
}};

}  // namespace

std::string_view to_string(CheckStage stage) { return detail::name_of(kCheckStageNames, stage); }
std::optional<CheckStage> parse_check_stage(std::string_view text) {
  return detail::value_of(kCheckStageNames, text);
}

}  // namespace mandate::core
