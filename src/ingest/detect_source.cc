#include "ingest/detect_source.h"

#include <algorithm>
#include <array>

#include "core/error.h"

namespace mandate::ingest {
namespace {

// Enough records to tell sources apart, few enough that detecting a
// million-line file costs nothing next to importing it.
constexpr std::size_t kSampleLines = 256;

// The first kSampleLines lines of `text`, or nullopt when it has fewer
// (then the whole text is the sample).
std::optional<SourceText> first_lines(const SourceText& text) {
  const std::string_view all = text.text();
  std::size_t at = 0;
  for (std::size_t line = 0; line < kSampleLines; ++line) {
    at = all.find('\n', at);
    if (at == std::string_view::npos) return std::nullopt;
    ++at;
  }
  return SourceText(std::string(all.substr(0, at)));
}

struct Score {
  std::size_t read = 0;  // records the parser recognised: events, merged and skipped
  std::size_t malformed = 0;
};

Score score(SourceKind kind, const SourceText& text, const std::string& name) {
  const ParsedInput parsed = parse_source(kind, text, name);
  const FileReport& r = parsed.report;
  return {r.events + r.merged + r.skipped, r.malformed};
}

std::optional<SourceKind> best(const SourceText& text, const std::string& name) {
  std::optional<SourceKind> chosen;
  Score top;
  for (const SourceKind kind : all_source_kinds()) {
    const Score s = score(kind, text, name);
    if (s.read == 0) continue;
    if (!chosen || s.read > top.read || (s.read == top.read && s.malformed < top.malformed)) {
      chosen = kind;
      top = s;
    }
  }
  return chosen;
}

bool hidden(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return name.size() > 1 && name[0] == '.' && name != "..";
}

bool named_like_a_log(std::filesystem::path p) {
  if (p.extension() == ".gz") p.replace_extension();
  // Not .txt: a folder of logs often holds license and README texts.
  static constexpr std::array<std::string_view, 4> kLogExtensions{".json", ".jsonl", ".ndjson", ".log"};
  const std::string ext = p.extension().string();
  return std::find(kLogExtensions.begin(), kLogExtensions.end(), ext) != kLogExtensions.end();
}

}  // namespace

std::optional<SourceKind> detect_source(const SourceText& text, const std::string& name) {
  if (const auto sample = first_lines(text)) {
    // JSON lines: the first lines decide. A long single document whose
    // first lines read as nothing is tried whole below.
    if (auto kind = best(*sample, name)) return kind;
  }
  return best(text, name);
}

std::vector<std::string> log_files(const std::filesystem::path& root, std::vector<std::string>& ignored) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return {root.string()};
  std::vector<std::string> found;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) fail(ErrorKind::bad_input, root.string() + ": cannot read the folder (" + ec.message() + ")");
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) fail(ErrorKind::bad_input, root.string() + ": cannot read the folder (" + ec.message() + ")");
    const fs::path& p = it->path();
    if (hidden(p)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    (named_like_a_log(p) ? found : ignored).push_back(p.string());
  }
  std::sort(found.begin(), found.end());
  std::sort(ignored.begin(), ignored.end());
  return found;
}

}  // namespace mandate::ingest
