#include "core/time.h"

#include <gtest/gtest.h>

namespace mandate::core {
namespace {

using namespace std::chrono;

Timestamp at(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0, int us = 0) {
  return Timestamp{sys_days{year{y} / month{m} / day{d}}} + hours{h} + minutes{mi} + seconds{s} +
         microseconds{us};
}

TEST(TimeTest, FormatsWithSixFractionalDigitsAndZ) {
  EXPECT_EQ(format_timestamp(at(2026, 11, 28, 10, 0, 0)), "2026-11-28T10:00:00.000000Z");
  EXPECT_EQ(format_timestamp(at(2026, 1, 2, 3, 4, 5, 6)), "2026-01-02T03:04:05.000006Z");
  EXPECT_EQ(format_timestamp(Timestamp{}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_timestamp(at(9999, 12, 31, 23, 59, 59, 999999)), "9999-12-31T23:59:59.999999Z");
}

TEST(TimeTest, FormatsInstantsBeforeTheEpoch) {
  EXPECT_EQ(format_timestamp(Timestamp{} - microseconds{1}), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_timestamp(at(1, 1, 1)), "0001-01-01T00:00:00.000000Z");
}

TEST(TimeTest, RoundTripsThroughText) {
  for (const Timestamp t : {Timestamp{}, at(2026, 11, 28, 10, 0, 0, 123456), at(2024, 2, 29, 23, 59, 59, 999999),
                            at(2000, 2, 29), at(1969, 7, 20, 20, 17, 40), at(2038, 1, 19, 3, 14, 8)}) {
    const auto parsed = parse_timestamp(format_timestamp(t));
    ASSERT_TRUE(parsed.has_value()) << format_timestamp(t);
    EXPECT_EQ(*parsed, t);
  }
}

TEST(TimeTest, ParsesShorterFractionsAndNone) {
  EXPECT_EQ(parse_timestamp("2026-11-28T10:00:00Z"), at(2026, 11, 28, 10));
  EXPECT_EQ(parse_timestamp("2020-10-02T12:42:30.000Z"), at(2020, 10, 2, 12, 42, 30));
  EXPECT_EQ(parse_timestamp("2020-10-02T12:42:30.5Z"), at(2020, 10, 2, 12, 42, 30, 500000));
  EXPECT_EQ(parse_timestamp("2020-10-02T12:42:30.123Z"), at(2020, 10, 2, 12, 42, 30, 123000));
  EXPECT_EQ(parse_timestamp("2020-10-02T12:42:30.000001Z"), at(2020, 10, 2, 12, 42, 30, 1));
}

TEST(TimeTest, HandlesLeapDays) {
  EXPECT_EQ(parse_timestamp("2024-02-29T12:00:00Z"), at(2024, 2, 29, 12));
  EXPECT_EQ(parse_timestamp("2000-02-29T00:00:00Z"), at(2000, 2, 29));
  EXPECT_FALSE(parse_timestamp("2026-02-29T00:00:00Z"));  // common year
  EXPECT_FALSE(parse_timestamp("1900-02-29T00:00:00Z"));  // century, not divisible by 400
  EXPECT_FALSE(parse_timestamp("2024-02-30T00:00:00Z"));
  EXPECT_EQ(at(2024, 2, 29) + days{1}, at(2024, 3, 1));
  EXPECT_EQ(format_timestamp(at(2024, 2, 28) + days{1}), "2024-02-29T00:00:00.000000Z");
}

TEST(TimeTest, RejectsMalformedText) {
  for (const char* bad : {
           "2026-13-01T00:00:00Z",          // month 13
           "2026-00-10T00:00:00Z",          // month 0
           "2026-04-31T00:00:00Z",          // April has 30 days
           "2026-01-00T00:00:00Z",          // day 0
           "2026-11-28 10:00:00",           // space separator, no zone
           "2026-11-28 10:00:00Z",          // space separator
           "2026-11-28T10:00:00",           // no zone
           "2026-11-28t10:00:00z",          // lower case
           "2026-11-28T10:00:00+00:00",     // offsets are not accepted
           "2026-11-28T10:00:00.000000+01:00",
           "2026-11-28T24:00:00Z",          // hour 24
           "2026-11-28T10:60:00Z",          // minute 60
           "2016-12-31T23:59:60Z",          // leap second
           "2026-11-28T10:00:00.Z",         // empty fraction
           "2026-11-28T10:00:00.1234567Z",  // more precision than we keep
           "2026-11-28T10:00:00.000000ZZ",  // trailing garbage
           "2026-11-28T10:00:00.000000Z ",  // trailing space
           " 2026-11-28T10:00:00Z",         // leading space
           "26-11-28T10:00:00Z",            // two-digit year
           "2026-1-28T10:00:00Z",           // one-digit month
           "+2026-11-28T10:00:00Z",         // sign
           "2026-11-28T1a:00:00Z",          // letter in a number
           "2026-11-28",                    // date only
           "",
       }) {
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(TimeTest, FormattedTextSortsLikeInstants) {
  const Timestamp earlier = at(2026, 9, 30, 23, 59, 59, 999999);
  const Timestamp later = at(2026, 10, 1);
  EXPECT_LT(format_timestamp(earlier), format_timestamp(later));
}

}  // namespace
}  // namespace mandate::core
