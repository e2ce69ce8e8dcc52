#include "core/mandate.h"

#include <gtest/gtest.h>

#include "core/test_fixtures.h"

namespace mandate::core {
namespace {

using namespace std::chrono_literals;
using testing::make_root_mandate;
using testing::make_task;

Task approved_task() {
  Task t = make_task();
  t.state = TaskState::approved;
  return t;
}

Mandate child_of(const Mandate& parent) {
  Mandate c = parent;
  c.id = parent.id + ".1";
  c.parent_id = parent.id;
  c.depth = parent.depth + 1;
  c.executor = "spiffe://example.org/tools/helm";
  c.on_behalf_of.push_back(parent.executor);
  c.scope = {AuthorizationDetail{"deployment", {"deploy"}, {"https://k8s.prod.example.com"},
                                 {"payments/api"}, ""}};
  c.not_before = parent.not_before + 1min;
  c.expires_at = parent.expires_at - 1min;
  c.max_uses = 1;
  return c;
}

TEST(MandateTest, EnumsRoundTrip) {
  EXPECT_EQ(to_string(KeyBindingKind::jkt), "jkt");
  EXPECT_EQ(to_string(KeyBindingKind::x5t_s256), "x5t#S256");
  for (auto k : {KeyBindingKind::jkt, KeyBindingKind::x5t_s256}) {
    EXPECT_EQ(parse_key_binding_kind(to_string(k)), k);
  }
  EXPECT_FALSE(parse_key_binding_kind("x5t_s256"));
  for (auto f : {IssuanceFault::task_not_approved, IssuanceFault::other_task,
                 IssuanceFault::other_executor, IssuanceFault::wrong_chain, IssuanceFault::not_root,
                 IssuanceFault::scope_broader, IssuanceFault::too_long, IssuanceFault::audience_broader}) {
    EXPECT_EQ(parse_issuance_fault(to_string(f)), f);
  }
  for (auto f : {AttenuationFault::not_child, AttenuationFault::other_task,
                 AttenuationFault::chain_broken, AttenuationFault::scope_broader,
                 AttenuationFault::starts_earlier, AttenuationFault::outlives_parent,
                 AttenuationFault::more_uses, AttenuationFault::wrong_depth,
                 AttenuationFault::too_deep, AttenuationFault::audience_broader}) {
    EXPECT_EQ(parse_attenuation_fault(to_string(f)), f);
  }
  EXPECT_FALSE(parse_attenuation_fault("broader"));
}

TEST(MandateTest, ValidatesRootAndChild) {
  const Mandate root = make_root_mandate(approved_task());
  EXPECT_TRUE(validate_mandate(root));
  EXPECT_TRUE(validate_mandate(child_of(root)));
  Mandate x5t = root;
  x5t.key_binding.kind = KeyBindingKind::x5t_s256;
  EXPECT_TRUE(validate_mandate(x5t));
}

TEST(MandateTest, ValidationRejects) {
  const Mandate root = make_root_mandate(approved_task());
  auto with = [&](auto change) {
    Mandate m = root;
    change(m);
    return validate_mandate(m);
  };
  EXPECT_FALSE(with([](Mandate& m) { m.id = ""; }));
  EXPECT_FALSE(with([](Mandate& m) { m.task_id = ""; }));
  EXPECT_FALSE(with([](Mandate& m) { m.executor = "\n"; }));
  EXPECT_FALSE(with([](Mandate& m) { m.on_behalf_of.clear(); }));
  EXPECT_FALSE(with([](Mandate& m) { m.on_behalf_of = {""}; }));
  EXPECT_FALSE(with([](Mandate& m) { m.scope.clear(); }));
  EXPECT_FALSE(with([](Mandate& m) { m.audience.clear(); }));
  EXPECT_FALSE(with([](Mandate& m) { m.audience = {"a", "a"}; }));
  EXPECT_FALSE(with([](Mandate& m) { m.scope[0].actions = {"a", "a"}; }));
  EXPECT_FALSE(with([](Mandate& m) { m.expires_at = m.not_before; }));
  EXPECT_FALSE(with([](Mandate& m) { m.max_uses = 0; }));
  EXPECT_FALSE(with([](Mandate& m) { m.key_binding.thumbprint = ""; }));
  EXPECT_FALSE(with([](Mandate& m) { m.key_binding.thumbprint.pop_back(); }));
  EXPECT_FALSE(with([](Mandate& m) { m.key_binding.thumbprint += "A"; }));
  EXPECT_FALSE(with([](Mandate& m) { m.key_binding.thumbprint[0] = '+'; }));   // base64, not base64url
  EXPECT_FALSE(with([](Mandate& m) { m.key_binding.thumbprint.back() = 't'; }));  // non-zero padding bits
  EXPECT_FALSE(with([](Mandate& m) { m.key_binding.kind = static_cast<KeyBindingKind>(5); }));
  EXPECT_FALSE(with([](Mandate& m) { m.depth = 1; }));  // depth without a parent
  EXPECT_FALSE(with([](Mandate& m) { m.parent_id = "p"; }));  // parent at depth 0
  EXPECT_FALSE(with([](Mandate& m) { m.parent_id = m.id; m.depth = 1; m.on_behalf_of.push_back("x"); }));
  EXPECT_FALSE(with([](Mandate& m) { m.parent_id = "p"; m.depth = 1; }));  // chain too short
  EXPECT_EQ(with([](Mandate& m) { m.max_uses = 0; }).error(), "max_uses must be at least 1");
}

TEST(MandateTest, ValidityWindowIsHalfOpen) {
  const Mandate m = make_root_mandate(approved_task());
  EXPECT_FALSE(is_within_validity(m, m.not_before - 1us));
  EXPECT_TRUE(is_within_validity(m, m.not_before));
  EXPECT_TRUE(is_within_validity(m, m.expires_at - 1us));
  EXPECT_FALSE(is_within_validity(m, m.expires_at));
}

TEST(MandateTest, IssuanceForAnApprovedTask) {
  const Task task = approved_task();
  const Mandate m = make_root_mandate(task);
  EXPECT_EQ(check_issuance(m, task), std::nullopt);
  EXPECT_EQ(check_issuance(m, task, 30min), std::nullopt);

  Mandate narrower = m;
  narrower.scope[0].actions = {"read"};
  narrower.expires_at = narrower.not_before + 5min;
  EXPECT_EQ(check_issuance(narrower, task), std::nullopt);
}

TEST(MandateTest, IssuanceFaults) {
  const Task task = approved_task();
  const Mandate good = make_root_mandate(task);
  auto fault = [&](auto change_mandate, auto change_task) {
    Mandate m = good;
    Task t = task;
    change_mandate(m);
    change_task(t);
    return check_issuance(m, t);
  };
  auto keep = [](auto&) {};

  EXPECT_EQ(fault(keep, [](Task& t) { t.state = TaskState::requested; }),
            IssuanceFault::task_not_approved);
  EXPECT_EQ(fault(keep, [](Task& t) { t.state = TaskState::denied; }), IssuanceFault::task_not_approved);
  EXPECT_EQ(fault(keep, [](Task& t) { t.state = TaskState::active; }), IssuanceFault::task_not_approved);
  EXPECT_EQ(fault(keep, [](Task& t) { t.state = TaskState::requested; t.break_glass = true; }),
            std::nullopt);
  EXPECT_EQ(fault([](Mandate& m) { m.task_id = "task-2"; }, keep), IssuanceFault::other_task);
  EXPECT_EQ(fault([](Mandate& m) { m.executor = "spiffe://example.org/other"; }, keep),
            IssuanceFault::other_executor);
  EXPECT_EQ(fault([](Mandate& m) { m.on_behalf_of = {"bob"}; }, keep), IssuanceFault::wrong_chain);
  EXPECT_EQ(fault([](Mandate& m) { m.on_behalf_of.push_back("bob"); }, keep), IssuanceFault::wrong_chain);
  EXPECT_EQ(fault([](Mandate& m) { m.parent_id = "p"; }, keep), IssuanceFault::not_root);
  EXPECT_EQ(fault([](Mandate& m) { m.scope[0].actions.push_back("delete"); }, keep),
            IssuanceFault::scope_broader);
  EXPECT_EQ(fault([](Mandate& m) { m.scope.push_back({"secrets", {"read"}, {}, {}, ""}); }, keep),
            IssuanceFault::scope_broader);
  EXPECT_EQ(fault([](Mandate& m) { m.expires_at += 1us; }, keep), IssuanceFault::too_long);
  EXPECT_EQ(check_issuance(good, task, 29min), IssuanceFault::too_long);
  // RFC 8707: a mandate names only resource servers the task was approved for.
  EXPECT_EQ(fault([](Mandate& m) { m.audience = {"https://k8s.prod.example.com"}; }, keep), std::nullopt);
  EXPECT_EQ(fault([](Mandate& m) { m.audience.push_back("https://evil.example.com"); }, keep),
            IssuanceFault::audience_broader);
}

TEST(MandateTest, AChildIsForNoResourceServerItsParentIsNotFor) {
  const Mandate root = make_root_mandate(approved_task());
  Mandate narrower = child_of(root);
  narrower.audience = {"https://registry.example.com"};
  EXPECT_EQ(check_attenuation(narrower, root), std::nullopt);
  Mandate broader = child_of(root);
  broader.audience.push_back("https://evil.example.com");
  EXPECT_EQ(check_attenuation(broader, root), AttenuationFault::audience_broader);
}

TEST(MandateTest, AttenuationTrueCases) {
  const Mandate root = make_root_mandate(approved_task());
  const Mandate child = child_of(root);
  EXPECT_TRUE(is_attenuation_of(child, root));
  EXPECT_EQ(check_attenuation(child, root), std::nullopt);

  // Equal bounds are allowed: narrowing is "not broader", not "strictly less".
  Mandate same = child;
  same.scope = root.scope;
  same.not_before = root.not_before;
  same.expires_at = root.expires_at;
  same.max_uses = root.max_uses;
  EXPECT_TRUE(is_attenuation_of(same, root));

  // Chains continue down to the depth limit.
  Mandate m = root;
  for (std::uint32_t depth = 1; depth <= kDefaultMaxDelegationDepth; ++depth) {
    const Mandate next = child_of(m);
    EXPECT_TRUE(is_attenuation_of(next, m)) << "depth " << depth;
    EXPECT_TRUE(validate_mandate(next)) << "depth " << depth;
    m = next;
  }
  EXPECT_EQ(check_attenuation(child_of(m), m), AttenuationFault::too_deep);
}

TEST(MandateTest, AttenuationFaults) {
  const Mandate root = make_root_mandate(approved_task());
  const Mandate good = child_of(root);
  auto fault = [&](auto change) {
    Mandate c = good;
    change(c);
    return check_attenuation(c, root);
  };
  EXPECT_EQ(fault([](Mandate& c) { c.parent_id.reset(); }), AttenuationFault::not_child);
  EXPECT_EQ(fault([](Mandate& c) { c.parent_id = "mandate-9"; }), AttenuationFault::not_child);
  EXPECT_EQ(fault([](Mandate& c) { c.task_id = "task-2"; }), AttenuationFault::other_task);
  EXPECT_EQ(fault([](Mandate& c) { c.on_behalf_of.pop_back(); }), AttenuationFault::chain_broken);
  EXPECT_EQ(fault([](Mandate& c) { c.on_behalf_of.front() = "mallory"; }), AttenuationFault::chain_broken);
  EXPECT_EQ(fault([](Mandate& c) { c.on_behalf_of.back() = "spiffe://example.org/x"; }),
            AttenuationFault::chain_broken);
  EXPECT_EQ(fault([](Mandate& c) { c.scope[0].actions.push_back("delete"); }),
            AttenuationFault::scope_broader);
  EXPECT_EQ(fault([](Mandate& c) { c.scope[0].resources = {"payments/worker"}; }),
            AttenuationFault::scope_broader);
  EXPECT_EQ(fault([&](Mandate& c) { c.not_before = root.not_before - 1us; }),
            AttenuationFault::starts_earlier);
  EXPECT_EQ(fault([&](Mandate& c) { c.expires_at = root.expires_at + 1us; }),
            AttenuationFault::outlives_parent);
  EXPECT_EQ(fault([&](Mandate& c) { c.max_uses = root.max_uses + 1; }), AttenuationFault::more_uses);
  EXPECT_EQ(fault([](Mandate& c) { c.depth = 2; }), AttenuationFault::wrong_depth);
  EXPECT_EQ(fault([](Mandate& c) { c.depth = 0; }), AttenuationFault::wrong_depth);
  EXPECT_FALSE(is_attenuation_of(root, root));
  EXPECT_FALSE(is_attenuation_of(root, good));  // backwards
}

TEST(MandateTest, DepthLimitIsAParameter) {
  const Mandate root = make_root_mandate(approved_task());
  const Mandate child = child_of(root);
  EXPECT_TRUE(is_attenuation_of(child, root, 1));
  EXPECT_EQ(check_attenuation(child, root, 0), AttenuationFault::too_deep);
  EXPECT_FALSE(is_attenuation_of(child_of(child), child, 1));
}

}  // namespace
}  // namespace mandate::core
