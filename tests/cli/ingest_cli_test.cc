// mandate ingest / analyze / attribution / events through the real binary.
#include <map>
#include <set>
#include <sstream>

#include "cli/cli_fixture.h"

namespace mandate::testing {
namespace {

std::string sample(const std::string& relative) { return std::string(MANDATE_SHARED_DIR) + "/samples/" + relative; }

const std::string kLeave = "cloudtrail/stratus-red-team_detonation-logs/aws.defense-evasion.organizations-leave.json";
const std::string kDocs = "cloudtrail/awsdocs_cloudtrail-user-guide_examples/examples.jsonl";

class IngestCli : public CliTest {
 protected:
  std::size_t stored_events() {
    const RunResult r = mandate({"events"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
  }
};

TEST_F(IngestCli, ImportsReportsMalformedLinesAndIsIdempotent) {
  init();
  const RunResult r = mandate({"ingest", "cloudtrail", sample(kLeave), sample(kDocs)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["added"], 3 + 19);
  EXPECT_EQ(report["files"][1]["malformed"], 1);
  EXPECT_EQ(report["files"][1]["skipped"], 3);
  EXPECT_NE(r.err.find("examples.jsonl:11: missing eventTime"), std::string::npos) << r.err;
  // The LeaveOrganization call used the key christophe's AssumeRole returned.
  EXPECT_EQ(report["linked"], 1);
  const auto again = mandate_json({"ingest", "cloudtrail", sample(kLeave)});
  EXPECT_EQ(again["added"], 0);
  EXPECT_EQ(again["duplicates"], 3);
  EXPECT_EQ(stored_events(), 22u);
}

TEST_F(IngestCli, CorrelatesAcrossSeparateImports) {
  init();
  const std::string session =
      R"({"eventTime":"2024-08-02T08:31:00Z","eventName":"DeleteBucket","eventSource":"s3.amazonaws.com",)"
      R"("userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/r/s","accessKeyId":"ASIALATER",)"
      R"("sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/r"}}}})";
  const std::string assume =
      R"({"eventTime":"2024-08-02T08:30:00Z","eventName":"AssumeRole","eventSource":"sts.amazonaws.com",)"
      R"("userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/dana","accessKeyId":"AKIADANA"},)"
      R"("responseElements":{"credentials":{"accessKeyId":"ASIALATER","sessionToken":"s3cr3t"}}})";
  write_file(tmp / "day2.json", session + "\n");
  write_file(tmp / "day1.json", assume + "\n");
  EXPECT_EQ(mandate_json({"ingest", "cloudtrail", (tmp / "day2.json").string()})["linked"], 0);
  EXPECT_EQ(mandate_json({"ingest", "cloudtrail", (tmp / "day1.json").string()})["linked"], 1);
  const RunResult events = mandate({"events", "--session", "ASIALATER"});
  ASSERT_EQ(events.exit_code, 0);
  const auto e = nlohmann::json::parse(events.out);
  EXPECT_EQ(e["action"], "s3:DeleteBucket");
  EXPECT_FALSE(e["parent"].get<std::string>().empty());
  // The attribution report now reaches dana through the session.
  const auto attribution = mandate_json({"attribution", "--format", "json"});
  EXPECT_EQ(attribution["total"]["actions"], 1);
  EXPECT_EQ(attribution["total"]["initiator_only"], 1);
  // The session token never reaches the store.
  const RunResult dump = run({"sqlite3", db_path(), "SELECT count(*) FROM observed_event WHERE raw LIKE '%s3cr3t%'"});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_EQ(dump.out, "0\n");
}

TEST_F(IngestCli, BadInputExits2AndStoresNothing) {
  init();
  write_file(tmp / "notes.txt", "not\njson\n");
  // --atomic: one bad file refuses the whole import.
  RunResult r = mandate({"ingest", "vault", "--atomic",
                         sample("vault_audit/elastic_integrations_hashicorp_vault/test-audit.lines01-09.log"),
                         (tmp / "notes.txt").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("notes.txt:1: not valid JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was imported (--atomic)"), std::string::npos) << r.err;
  EXPECT_EQ(stored_events(), 0u);
  r = mandate({"ingest", "vault", (tmp / "notes.txt").string(), (tmp / "missing.log").string()});
  EXPECT_EQ(r.exit_code, 2);  // every file bad: nothing to keep
  EXPECT_NE(r.err.find("none of the 2 files could be imported"), std::string::npos) << r.err;
  r = mandate({"ingest", "vault", (tmp / "missing.log").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.log: cannot read"), std::string::npos) << r.err;
  write_file(tmp / "bad.gz", std::string("\x1f\x8b\x08\x00garbage", 12));
  r = mandate({"ingest", "vault", (tmp / "bad.gz").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gzip"), std::string::npos) << r.err;
  EXPECT_EQ(mandate({"ingest", "syslog", "x"}).exit_code, 2);
  EXPECT_EQ(mandate({"analyze", "--since", "yesterday"}).exit_code, 2);
  write_file(std::filesystem::path(home) / "analyze.toml", "[thresholds]\nstale_days = \"soon\"\n");
  r = mandate({"analyze"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("analyze.toml:2:"), std::string::npos) << r.err;
  EXPECT_EQ(stored_events(), 0u);
}

// By default a bad file is named and left out, and the good ones are stored:
// an investigator's folder of logs is not refused for one odd file.
TEST_F(IngestCli, OneBadFileIsNamedAndTheOthersAreStored) {
  init();
  write_file(tmp / "notes.txt", "not\njson\n");
  const auto good = sample("vault_audit/elastic_integrations_hashicorp_vault/test-audit.lines01-09.log");
  const RunResult r = mandate({"ingest", "vault", (tmp / "notes.txt").string(), good, (tmp / "missing.log").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("notes.txt was not imported: " + (tmp / "notes.txt").string() + ":1: not valid JSON"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("missing.log was not imported"), std::string::npos) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  ASSERT_EQ(out["files"].size(), 1u);
  EXPECT_EQ(out["files"][0]["file"], good);
  ASSERT_EQ(out["refused"].size(), 2u);
  EXPECT_EQ(out["refused"][0]["file"], (tmp / "notes.txt").string());
  EXPECT_GT(out["added"].get<int>(), 0);
  EXPECT_EQ(stored_events(), out["added"].get<std::size_t>());
}

TEST_F(IngestCli, AutoReadsAFolderOfMixedLogsAndNamesWhatItLeftOut) {
  init();
  const auto folder = tmp / "incident";
  std::filesystem::create_directories(folder / "aws");
  std::filesystem::create_directories(folder / "cluster");
  std::filesystem::copy_file(sample(kLeave), folder / "aws" / "trail.json");
  {
    const std::string log = sample("k8s_audit/audit2rbac_testdata/demo.lines01-09.log");
    ASSERT_EQ(run({"/bin/sh", "-c", "gzip -c '" + log + "' > '" + (folder / "cluster" / "audit.log.gz").string() + "'"}).exit_code, 0);
  }
  write_file(folder / "README.md", "# what we collected\n");
  write_file(folder / "aws" / "config.json", "{\"region\":\"eu-west-1\"}\n");  // JSON, but nobody's log
  const RunResult r = mandate({"ingest", "auto", folder.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // one file no source reads
  const auto out = nlohmann::json::parse(r.out);
  ASSERT_EQ(out["files"].size(), 2u) << r.out;
  EXPECT_EQ(out["files"][0]["file"], (folder / "aws" / "trail.json").string());
  EXPECT_EQ(out["files"][0]["source"], "cloudtrail");
  EXPECT_EQ(out["files"][1]["file"], (folder / "cluster" / "audit.log.gz").string());
  EXPECT_EQ(out["files"][1]["source"], "k8s-audit");
  ASSERT_EQ(out["refused"].size(), 1u);
  EXPECT_EQ(out["refused"][0]["file"], (folder / "aws" / "config.json").string());
  EXPECT_NE(out["refused"][0]["reason"].get<std::string>().find("no source that mandate reads recognises"), std::string::npos);
  EXPECT_EQ(out["ignored"], nlohmann::json::array({(folder / "README.md").string()}));
  EXPECT_EQ(out["added"], 12);
  EXPECT_EQ(stored_events(), 12u);
  // A folder with no log in it is bad input, and nothing is stored.
  std::filesystem::create_directories(tmp / "empty");
  const RunResult empty = mandate({"ingest", "auto", (tmp / "empty").string()});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("no log files in this folder"), std::string::npos) << empty.err;
}

TEST_F(IngestCli, EverySharedSampleImportsWithNoFileRefused) {
  init();
  const RunResult r = mandate({"ingest", "auto", std::string(MANDATE_SHARED_DIR) + "/samples"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["refused"], nlohmann::json::array());
  std::set<std::string> sources;
  for (const auto& f : out["files"]) {
    sources.insert(f["source"].get<std::string>());
    EXPECT_GT(f["events"].get<int>(), 0) << f["file"];
  }
  EXPECT_EQ(sources, (std::set<std::string>{"azure", "cloudtrail", "github", "k8s-audit", "m365", "okta", "vault"}));
  // Only what is not a log is left out: READMEs, provenance tables, licenses.
  for (const auto& ignored : out["ignored"]) {
    const std::string name = ignored.get<std::string>();
    EXPECT_TRUE(name.ends_with(".md") || name.ends_with(".tsv") || name.ends_with(".yaml") ||
                name.find("/LICENSES/") != std::string::npos)
        << name;
  }
}

TEST_F(IngestCli, GzipFromStdin) {
  init();
  const std::string log = sample("k8s_audit/audit2rbac_testdata/demo.lines01-09.log");
  const RunResult r = run({"/bin/sh", "-c", "gzip -c '" + log + "' | '" + MANDATE_BINARY + "' --home '" + home +
                                                "' ingest k8s-audit -"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["files"][0]["file"], "<stdin>");
  EXPECT_EQ(report["added"], 9);
}

TEST_F(IngestCli, AnalyzeFindsWhatTheSamplesContain) {
  init();
  ASSERT_EQ(mandate({"ingest", "cloudtrail", sample(kLeave), sample(kDocs)}).exit_code, 0);
  ASSERT_EQ(mandate({"ingest", "k8s-audit", sample("k8s_audit/audit2rbac_testdata/demo.lines01-09.log")}).exit_code, 0);
  ASSERT_EQ(mandate({"ingest", "github", sample("github/azure-sentinel_github_audit_log_export/"
                                                 "Github_sample_logs.2023-11-27_to_2024-03-12.jsonl")}).exit_code, 0);
  const auto result = mandate_json({"analyze", "--format", "json"});
  std::set<std::pair<std::string, std::string>> found;
  for (const auto& f : result["findings"]) found.emplace(f["rule"], f["subject"]);
  // christophe's long-lived key drives the stratus tooling.
  EXPECT_TRUE(found.contains({"nhi.human_credential", "arn:aws:iam::307578594326:user/christophe"}));
  // system:admin impersonates the service account sa1.
  EXPECT_TRUE(found.contains({"nhi.human_use", "system:serviceaccount:ns1:sa1"}));
  // Root sign-ins (AWS docs examples) with nobody recording a review.
  EXPECT_TRUE(found.contains({"breakglass.unreviewed", "arn:aws:iam::111122223333:root"}));
  // The GitHub account let workflows approve pull requests.
  EXPECT_TRUE(found.contains({"sod.approve_and_execute", "siteshjha11/Sentinel-clone"}));
  // Findings carry their framework mapping.
  for (const auto& f : result["findings"]) EXPECT_FALSE(f["mappings"].empty());
  const RunResult ocsf = mandate({"analyze", "--format", "ocsf"});
  ASSERT_EQ(ocsf.exit_code, 0);
  std::istringstream lines(ocsf.out);
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n) EXPECT_EQ(nlohmann::json::parse(line)["class_uid"], 2004);
  EXPECT_EQ(n, result["findings"].size());
  const RunResult text = mandate({"analyze"});
  EXPECT_NE(text.out.find("maps to: owasp-nhi-2025:NHI10"), std::string::npos);
  const RunResult compliance = mandate({"analyze", "--format", "ocsf", "--finding-class", "compliance"});
  ASSERT_EQ(compliance.exit_code, 0);
  std::istringstream compliance_lines(compliance.out);
  for (std::string line; std::getline(compliance_lines, line);) {
    const auto f = nlohmann::json::parse(line);
    EXPECT_EQ(f["class_uid"], 2003);
    EXPECT_EQ(f["compliance"]["status_id"], 3);
  }
  EXPECT_EQ(mandate({"analyze", "--format", "ocsf", "--finding-class", "alert"}).exit_code, 2);
  const RunResult plain = mandate({"events", "--actor", "system:serviceaccount:ns1:sa1"});
  EXPECT_EQ(std::count(plain.out.begin(), plain.out.end(), '\n'), 5);
  // In OCSF each of those requests is API Activity, and the impersonation
  // under which it was made an Authorize Session of its own.
  const RunResult events = mandate({"events", "--format", "ocsf", "--actor", "system:serviceaccount:ns1:sa1"});
  std::istringstream event_lines(events.out);
  std::map<int, int> classes;
  for (std::string line; std::getline(event_lines, line);) ++classes[nlohmann::json::parse(line)["class_uid"].get<int>()];
  EXPECT_EQ(classes[6003], 5);
  EXPECT_EQ(classes[3003], 5);
  EXPECT_NE(events.out.find("\"privileges\":[\"impersonate:system:serviceaccount:ns1:sa1\"]"), std::string::npos);
}

}  // namespace
}  // namespace mandate::testing
