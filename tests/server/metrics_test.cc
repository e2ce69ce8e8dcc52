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

// The store's log copies appear only for a backend that reports them.
TEST(Metrics, TheStoresLogCopiesAreCountedByOutcomeWhenTheBackendHasThem) {
  store::StoreHealth sqlite;
  sqlite.backend = "sqlite";
  sqlite.log_copies = store::StoreHealth::LogCopies{12, 1};
  const std::string text = render_store_health(sqlite);
  EXPECT_NE(text.find("# TYPE mandate_store_log_copies_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nmandate_store_log_copies_total{backend=\"sqlite\",outcome=\"done\"} 12\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nmandate_store_log_copies_total{backend=\"sqlite\",outcome=\"failed\"} 1\n"), std::string::npos) << text;
  store::StoreHealth postgresql;
  postgresql.backend = "postgresql";
  EXPECT_EQ(render_store_health(postgresql).find("mandate_store_log_copies_total"), std::string::npos);
}

}  // namespace
}  // namespace mandate::server
