// `mandate keys` through the real binary: a staged rotation and the states
// `keys list` shows, and the --activate-at forms refused.
#include "cli/cli_fixture.h"

namespace mandate::testing {
namespace {

class KeysCliTest : public CliTest {
 protected:
  void SetUp() override { init(); }
};

TEST_F(KeysCliTest, AStagedRotationIsListedAsStagedUntilItsActivation) {
  const auto first = mandate_json({"keys", "list"});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]["state"], "active");

  const auto staged = mandate_json({"keys", "rotate", "--activate-at", "2999-01-02T03:04:05Z"});
  EXPECT_EQ(staged["state"], "staged");
  EXPECT_EQ(staged["activates"], "2999-01-02T03:04:05.000000Z");
  const auto listed = mandate_json({"keys", "list"});
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["state"], "active");
  EXPECT_EQ(listed[1]["state"], "staged");
  EXPECT_EQ(listed[1]["kid"], staged["kid"]);
  EXPECT_EQ(listed[1]["activates"], "2999-01-02T03:04:05.000000Z");
  // Published at once: resource servers and other servers verify with it.
  EXPECT_EQ(mandate_json({"keys", "export-jwks"})["keys"].size(), 2u);

  const auto now = mandate_json({"keys", "rotate"});
  EXPECT_EQ(now["state"], "active");
  const auto after = mandate_json({"keys", "list"});
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0]["state"], "verify-only");
  EXPECT_EQ(after[1]["state"], "verify-only");  // overtaken: a newer key already signs
  EXPECT_EQ(after[2]["state"], "active");
}

TEST_F(KeysCliTest, AnActivationTimeThatIsNotRfc3339UtcIsRefused) {
  for (const char* bad : {"tomorrow", "2030-01-02T03:04:05+01:00", "now+", "now+soon"}) {
    const auto r = mandate({"keys", "rotate", "--activate-at", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
  }
  EXPECT_EQ(mandate_json({"keys", "list"}).size(), 1u);  // nothing written
}

}  // namespace
}  // namespace mandate::testing
