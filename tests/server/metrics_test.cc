// The Prometheus exposition: gauges keep every digit of a count, and say
// NaN the way Prometheus's text format spells it.
#include <gtest/gtest.h>

#include <limits>

#include "server/internal/metrics.h"

namespace mandate::server {
namespace {

TEST(Metrics, AGaugeKeepsEveryDigitOfACount) {
  Metrics metrics;
  metrics.add_gauge("test_entries", "Entries.", [] { return 2243563.0; });
  metrics.add_gauge("test_unknown", "Unknown.", [] { return std::numeric_limits<double>::quiet_NaN(); });
  metrics.add_gauge("test_ratio", "A ratio.", [] { return 0.125; });
  const std::string text = metrics.render();
  EXPECT_NE(text.find("\ntest_entries 2243563\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ntest_unknown NaN\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ntest_ratio 0.125\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace mandate::server
