#include "core/scope.h"

#include <gtest/gtest.h>

namespace mandate::core {
namespace {

AuthorizationDetail detail(std::string type, std::vector<std::string> actions,
                           std::vector<std::string> locations = {},
                           std::vector<std::string> resources = {}, std::string extra = {}) {
  return {std::move(type), std::move(actions), std::move(locations), std::move(resources),
          std::move(extra)};
}

const AuthorizationDetail kDeploy =
    detail("deployment", {"read", "deploy", "rollback"}, {"https://k8s.prod.example.com"},
           {"payments/api", "payments/worker"});

TEST(ScopeTest, DetailCoversItselfAndNarrowerDetails) {
  EXPECT_TRUE(covers(kDeploy, kDeploy));
  EXPECT_TRUE(covers(kDeploy, detail("deployment", {"deploy"}, {"https://k8s.prod.example.com"},
                                     {"payments/api"})));
  EXPECT_TRUE(covers(kDeploy, detail("deployment", {})));  // grants nothing
}

TEST(ScopeTest, DetailDoesNotCoverBroaderOrDifferentDetails) {
  EXPECT_FALSE(covers(kDeploy, detail("database", {"read"})));
  EXPECT_FALSE(covers(kDeploy, detail("deployment", {"delete"})));
  EXPECT_FALSE(covers(kDeploy, detail("deployment", {"read"}, {"https://k8s.staging.example.com"})));
  EXPECT_FALSE(covers(kDeploy, detail("deployment", {"read"}, {}, {"ledger/api"})));
  // Exact strings: no prefixes, no case folding, no wildcards.
  EXPECT_FALSE(covers(kDeploy, detail("deployment", {"read"}, {}, {"payments/api/v2"})));
  EXPECT_FALSE(covers(kDeploy, detail("deployment", {"Deploy"})));
  EXPECT_FALSE(covers(detail("deployment", {"*"}), detail("deployment", {"deploy"})));
  // An empty parent list grants nothing, so it covers nothing non-empty.
  EXPECT_FALSE(covers(detail("deployment", {"read"}), detail("deployment", {"read"}, {"x"})));
}

TEST(ScopeTest, ExtraMustBeIdentical) {
  const auto pay = detail("payment_initiation", {"initiate"}, {}, {},
                          R"({"instructedAmount":{"amount":"123.50","currency":"EUR"}})");
  const auto other = detail("payment_initiation", {"initiate"}, {}, {},
                            R"({"instructedAmount":{"amount":"999.00","currency":"EUR"}})");
  EXPECT_TRUE(covers(pay, pay));
  EXPECT_FALSE(covers(pay, other));
  EXPECT_FALSE(covers(pay, detail("payment_initiation", {"initiate"})));
  EXPECT_FALSE(covers(detail("payment_initiation", {"initiate"}), pay));
  EXPECT_TRUE(covers(detail("t", {"a"}, {}, {}, "{}"), detail("t", {"a"})));
  EXPECT_TRUE(covers(detail("t", {"a"}), detail("t", {"a"}, {}, {}, "{}")));
}

TEST(ScopeTest, SubsetTrueCases) {
  const Scope parent{kDeploy, detail("database", {"migrate"}, {}, {"payments-db"})};
  EXPECT_TRUE(is_subset(parent, parent));
  EXPECT_TRUE(is_subset({}, parent));
  EXPECT_TRUE(is_subset({}, {}));
  EXPECT_TRUE(is_subset({detail("database", {"migrate"}, {}, {"payments-db"})}, parent));
  EXPECT_TRUE(is_subset({detail("deployment", {"read"}), detail("database", {"migrate"})}, parent));
  // Order does not matter.
  EXPECT_TRUE(is_subset({parent[1], parent[0]}, parent));
}

TEST(ScopeTest, SubsetFalseCases) {
  const Scope parent{kDeploy, detail("database", {"migrate"}, {}, {"payments-db"})};
  EXPECT_FALSE(is_subset({detail("secrets", {"read"})}, parent));
  EXPECT_FALSE(is_subset({detail("deployment", {"read"})}, {}));
  EXPECT_FALSE(is_subset({kDeploy, detail("database", {"drop"})}, parent));
  // A child detail may not be assembled from two parent details of its type.
  const Scope split{detail("deployment", {"read"}, {}, {"a"}), detail("deployment", {"deploy"}, {}, {"b"})};
  EXPECT_FALSE(is_subset({detail("deployment", {"read", "deploy"}, {}, {"a"})}, split));
  EXPECT_TRUE(is_subset({detail("deployment", {"read"}, {}, {"a"})}, split));
}

TEST(ScopeTest, Validation) {
  EXPECT_TRUE(validate_scope({}));
  EXPECT_TRUE(validate_scope({kDeploy}));
  EXPECT_TRUE(validate_scope({detail("payment_initiation", {"initiate"}, {}, {}, R"({"a":1})")}));

  EXPECT_EQ(validate_scope({detail("", {"read"})}).error(), "authorization detail 0: type is empty");
  EXPECT_EQ(validate_scope({kDeploy, detail("t", {"read", "read"})}).error(),
            "authorization detail 1: actions has a repeated entry");
  EXPECT_FALSE(validate_scope({detail("t", {""})}));
  EXPECT_FALSE(validate_scope({detail("t", {"a"}, {"loc\n"})}));
  EXPECT_FALSE(validate_scope({detail("t", {"a"}, {}, {"r", "r"})}));
  EXPECT_FALSE(validate_scope({detail("t", {"a"}, {}, {}, "[1]")}));
  EXPECT_FALSE(validate_scope({detail("t", {"a"}, {}, {}, "{")}));
  EXPECT_FALSE(validate_scope({detail("t", {"a"}, {}, {}, "{\x01}")}));
}

TEST(ScopeTest, ADetailInWords) {
  EXPECT_EQ(describe(detail("deploy", {"deploy", "rollback"}, {"https://eu.example"}, {"prod/payments"})),
            "deploy: deploy, rollback on prod/payments at https://eu.example");
  EXPECT_EQ(describe(detail("read", {"read"})), "read: read");
  EXPECT_EQ(describe(detail("audit", {})), "audit: no action named");
  AuthorizationDetail with_extra = detail("payment", {"pay"}, {}, {"acct/1"});
  with_extra.extra = R"({"max_amount":100})";
  EXPECT_EQ(describe(with_extra), R"(payment: pay on acct/1 (with {"max_amount":100}))");
  with_extra.extra = "{}";
  EXPECT_EQ(describe(with_extra), "payment: pay on acct/1");
}

}  // namespace
}  // namespace mandate::core
