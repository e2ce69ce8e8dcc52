// Malformed and hostile records: counted, reported with file:line and a
// reason, never fatal to the rest of the input, never half-stored.
#include <gtest/gtest.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "ingest/importer.h"
#include "ingest/internal/json_reader.h"
#include "ingest_support.h"

namespace mandate::testing {
namespace {

using ingest::SourceKind;

const std::string kGood =
    R"({"eventTime":"2024-01-01T00:00:00Z","eventName":"ListBuckets","eventSource":"s3.amazonaws.com",)"
    R"("userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a","accessKeyId":"AKIAX"}})";

void expect_malformed(const ingest::ParsedInput& p, std::size_t index, const std::string& where, const std::string& reason_part) {
  ASSERT_GT(p.report.malformed_examples.size(), index);
  EXPECT_EQ(p.report.malformed_examples[index].where, where);
  EXPECT_NE(p.report.malformed_examples[index].reason.find(reason_part), std::string::npos)
      << p.report.malformed_examples[index].reason;
}

TEST(Robustness, BadLinesAreReportedAndTheRestImported) {
  const std::string text = kGood + "\n" +
                           R"({"eventTime":"2024-01-01T00:00:00Z","eventName":"x")" + "\n" +          // truncated
                           R"({"eventTime":12,"eventName":"x","userIdentity":{}})" + "\n" +            // wrong type
                           "\n" +                                                                       // blank: ignored
                           R"({"eventTime":"yesterday","eventName":"x","userIdentity":{}})" + "\n" +   // bad time
                           "[1,2]\n" +                                                                  // not objects
                           R"({"eventTime":"2024-01-01T00:00:00Z","eventName":"x","userIdentity":{"arn":5}})" + "\n";
  const auto p = parse_text(SourceKind::cloudtrail, text, "f.jsonl");
  EXPECT_EQ(p.report.events, 1u);
  EXPECT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.report.malformed, 6u);
  expect_malformed(p, 0, "f.jsonl:3", "eventTime must be a string");
  expect_malformed(p, 1, "f.jsonl:5", "eventTime is not an RFC 3339 time");
  expect_malformed(p, 2, "f.jsonl:6", "must be a JSON object");
  expect_malformed(p, 3, "f.jsonl:6", "must be a JSON object");
  expect_malformed(p, 4, "f.jsonl:7", "userIdentity.arn must be a string");
  expect_malformed(p, 5, "f.jsonl:2", "not valid JSON");
}

TEST(Robustness, HostileInputs) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  const std::string huge_string = R"({"eventTime":"2024-01-01T00:00:00Z","eventName":")" + std::string(8 << 20, 'A') +
                                  R"(","eventSource":"s3.amazonaws.com","userIdentity":{"type":"IAMUser","arn":"a"}})";
  const std::string bad_utf8 = R"({"eventTime":"2024-01-01T00:00:00Z","eventName":"x)" + std::string("\xC3\x28") +
                               R"(","userIdentity":{"type":"IAMUser","arn":"a"}})";
  const std::string text = kGood + "\n" + deep + "\n" + bad_utf8 + "\n" + huge_string + "\n" + "\x01\x02\x03\n";
  const auto p = parse_text(SourceKind::cloudtrail, text, "h");
  EXPECT_EQ(p.report.events, 2u);  // kGood and the huge (but valid) one
  EXPECT_EQ(p.report.malformed, 3u);
  expect_malformed(p, 0, "h:2", "nested too deeply");
  expect_malformed(p, 1, "h:3", "invalid UTF-8");
  expect_malformed(p, 2, "h:5", "not valid JSON");
}

// What the fuzz targets check on every input: each record is counted once,
// as an event, skipped, merged or malformed.
void expect_every_record_counted(const ingest::ParsedInput& p) {
  const auto& r = p.report;
  EXPECT_EQ(r.events + r.skipped + r.merged + r.malformed, r.records);
  EXPECT_EQ(r.events, p.events.size());
}

// Found while writing the Vault fuzz target's invariant: a second request
// under the same id (a replayed or concatenated log) used to overwrite the
// first, which then was neither stored nor counted.
TEST(Robustness, VaultRequestsSharingAnIdAreAllKept) {
  const std::string text =
      R"({"type":"request","time":"2024-01-01T00:00:00Z","request":{"id":"1","operation":"read","path":"secret/a"}})"
      "\n"
      R"({"type":"request","time":"2024-01-01T00:00:01Z","request":{"id":"1","operation":"update","path":"secret/b"}})"
      "\n"
      R"({"type":"response","time":"2024-01-01T00:00:02Z","request":{"id":"1","operation":"update","path":"secret/b"}})"
      "\n";
  const auto p = parse_text(SourceKind::vault, text, "v.log");
  EXPECT_EQ(p.report.records, 3u);
  EXPECT_EQ(p.report.events, 2u);  // the first request on its own, the second merged into the response
  EXPECT_EQ(p.report.merged, 1u);
  expect_every_record_counted(p);
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.events[0].action, "read secret/a");
  EXPECT_EQ(p.events[1].action, "update secret/b");
}

// A long `kind` was cut at 40 bytes, possibly inside a character, and the
// reason then was invalid UTF-8, which the CLI cannot print as JSON. Seen
// while writing the fuzz targets' printable-reason check, and found by
// k8s_audit_fuzz on its own (seed src/ingest/fuzz/seeds/k8s_cut_character).
TEST(Robustness, ReasonsQuoteValuesWithoutCuttingACharacter) {
  std::string kind = "a";
  for (int i = 0; i < 30; ++i) kind += "\xC3\xA9";  // é
  const auto p = parse_text(SourceKind::k8s_audit, R"({"kind":")" + kind + R"("})" + "\n", "k.log");
  ASSERT_EQ(p.report.malformed, 1u);
  const std::string& reason = p.report.malformed_examples[0].reason;
  EXPECT_NO_THROW((void)nlohmann::json(reason).dump()) << reason;
  EXPECT_NE(reason.find("not an audit.k8s.io Event (kind \"a\xC3\xA9"), std::string::npos);
  EXPECT_EQ(ingest::utf8_prefix("a\xC3\xA9", 2), "a");
  EXPECT_EQ(ingest::utf8_prefix("a\xC3\xA9", 3), "a\xC3\xA9");
}

// Secrets are redacted in one pass wherever they sit, however many there
// are, and a name that only looks like one (escaped, or a value) is left.
TEST(Robustness, EverySecretMemberIsRedacted) {
  const std::string text =
      R"({"eventTime":"2024-01-01T00:00:00Z","eventName":"AssumeRole","eventSource":"sts.amazonaws.com",)"
      R"("userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a","accessKeyId":"AKIAX"},)"
      R"("requestParameters":{"note":"\"sessionToken\":\"not-a-member\"","client_secret":"s1"},)"
      R"("responseElements":{"credentials":{"accessKeyId":"ASIAY","sessionToken":"t\"1","SecretAccessKey":"k"},)"
      R"("SessionToken":"t2","secretAccessKey":"k2","other":"sessionToken"}})";
  const auto p = parse_text(SourceKind::cloudtrail, text);
  ASSERT_EQ(p.events.size(), 1u);
  const std::string& raw = p.events[0].raw;
  for (const char* secret : {"s1", "t\\\"1", "\"k\"", "t2", "k2"}) EXPECT_EQ(raw.find(secret), std::string::npos) << secret << " in " << raw;
  EXPECT_NE(raw.find(R"("sessionToken":"REDACTED")"), std::string::npos);
  EXPECT_NE(raw.find(R"("client_secret":"REDACTED")"), std::string::npos);
  EXPECT_NE(raw.find(R"("SessionToken":"REDACTED")"), std::string::npos);
  EXPECT_NE(raw.find(R"(\"sessionToken\":\"not-a-member\")"), std::string::npos);
  EXPECT_NE(raw.find(R"("other":"sessionToken")"), std::string::npos);
}

// A first line that is a whole record means JSON lines; a document spread
// over lines (a pretty-printed {"Records":[…]}) is still one document.
TEST(Robustness, JsonLinesAndPrettyPrintedDocumentsAreToldApart) {
  const auto lines = parse_text(SourceKind::cloudtrail, kGood + "\n" + kGood + "\n\n", "l.jsonl");
  EXPECT_EQ(lines.report.events, 2u);
  EXPECT_EQ(lines.events[1].origin, "l.jsonl:2");
  const auto document = parse_text(SourceKind::cloudtrail, "{\"Records\": [\n" + kGood + ",\n" + kGood + "\n]}\n", "d.json");
  EXPECT_EQ(document.report.events, 2u);
  EXPECT_EQ(document.events[1].origin, "d.json:1#1");
  // One record on its only line, then nothing but blank lines: one document.
  EXPECT_EQ(parse_text(SourceKind::cloudtrail, kGood + "\n\n  \n").report.events, 1u);
  // A broken first line does not make the rest one document.
  const auto broken = parse_text(SourceKind::cloudtrail, "{\"eventTime\"\n" + kGood + "\n", "b.jsonl");
  EXPECT_EQ(broken.report.events, 1u);
  EXPECT_EQ(broken.report.malformed, 1u);
  expect_every_record_counted(broken);
}

TEST(Robustness, NotJsonAtAllIsOneRefusal) {
  const auto p = parse_text(SourceKind::vault, "this is\nnot\nJSON\n", "notes.txt");
  EXPECT_EQ(p.report.malformed, 1u);
  EXPECT_EQ(p.report.events, 0u);
  expect_malformed(p, 0, "notes.txt:1", "not valid JSON");
}

TEST(Robustness, TruncatedDocumentIsRefused) {
  const auto p = parse_text(SourceKind::cloudtrail, "{\"Records\":[" + kGood + "," + kGood.substr(0, 40), "cut.json");
  EXPECT_EQ(p.report.events, 0u);
  EXPECT_EQ(p.report.malformed, 1u);
}

TEST(Robustness, RecordsFramingAndArrayLines) {
  const auto records = parse_text(SourceKind::cloudtrail, "{\"Records\":[" + kGood + "," + kGood + ",{}]}", "r.json");
  EXPECT_EQ(records.report.events, 2u);
  expect_malformed(records, 0, "r.json:1#2", "missing eventTime");
  const auto array = parse_text(SourceKind::cloudtrail, "[\n  " + kGood + ",\n  {\"eventName\":1}\n]\n", "a.json");
  EXPECT_EQ(array.report.events, 1u);
  expect_malformed(array, 0, "a.json:3", "eventName must be a string");
  EXPECT_EQ(array.events[0].origin, "a.json:2");
}

TEST(Robustness, WrongSourceKindIsRefusedPerRecord) {
  const auto p = parse_text(SourceKind::k8s_audit, kGood, "k");
  EXPECT_EQ(p.report.malformed, 1u);
  expect_malformed(p, 0, "k:1", "not an audit.k8s.io Event");
}

std::string gzip(const std::string& text) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(Robustness, GzipIsInflatedAndCorruptGzipRefused) {
  const std::string text = kGood + "\n" + kGood + "\n";
  EXPECT_EQ(ingest::gunzip(gzip(text), "g"), text);
  EXPECT_EQ(ingest::gunzip(gzip("a") + gzip("b"), "g"), "ab");  // concatenated members
  std::string corrupt = gzip(text);
  corrupt[corrupt.size() / 2] ^= 0x55;
  EXPECT_THROW(ingest::gunzip(corrupt, "g"), Error);
  EXPECT_THROW(ingest::gunzip(gzip(text).substr(0, 20), "g"), Error);
}

TEST(Robustness, EveryByteTruncationOfARealRecordIsHandled) {
  // A poor man's fuzz pass that runs in the suite: each prefix of a real
  // record must parse or be refused, never crash.
  const auto source = ingest::read_source(sample("vault_audit/elastic_integrations_hashicorp_vault/test-audit.lines01-09.log"));
  const std::string text(source.text());
  const std::string first = text.substr(0, text.find('\n'));
  for (std::size_t n = 0; n <= first.size(); ++n) {
    const auto p = parse_text(SourceKind::vault, first.substr(0, n), "v");
    EXPECT_EQ(p.report.events + p.report.malformed, n == 0 ? 0u : 1u) << n;
  }
}

}  // namespace
}  // namespace mandate::testing
