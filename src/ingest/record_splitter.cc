#include "ingest/internal/record_splitter.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace mandate::ingest {
namespace {

// Counts lines forward from the last position asked for, so numbering every
// record of a file costs one pass over it.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}
  std::size_t line_at(std::size_t offset) {
    if (offset < pos_) {
      pos_ = 0;
      line_ = 1;
    }
    // memchr skips a record's length at a time; counting byte by byte was a
    // noticeable share of an import.
    const char* p = text_.data() + pos_;
    const char* const end = text_.data() + offset;
    while (p < end) {
      const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
      if (nl == nullptr) break;
      ++line_;
      p = static_cast<const char*>(nl) + 1;
    }
    pos_ = offset;
    return line_;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Where each element of the array opening at `open` starts. `text` has
// already parsed as JSON, so only strings need care.
std::vector<std::size_t> element_offsets(std::string_view text, std::size_t open) {
  std::vector<std::size_t> offsets;
  int depth = 0;
  bool in_string = false, expect_element = true;
  for (std::size_t i = open; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (is_space(c)) continue;
    if (depth == 1 && expect_element && c != ']') {
      offsets.push_back(i);
      expect_element = false;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{': ++depth; break;
      case ']':
      case '}':
        if (--depth == 0) return offsets;
        break;
      case ',':
        if (depth == 1) expect_element = true;
        break;
      default: break;
    }
  }
  return offsets;
}

// Okta event hooks deliver System Log events as {"data":{"events":[…]}}:
// each event is one record, as in a CloudTrail {"Records":[…]} file.
bool event_hook_events(simdjson::dom::element root, simdjson::dom::element& events) {
  return root.at_pointer("/data/events").get(events) == simdjson::SUCCESS && events.is_array();
}

std::string reason_for(simdjson::error_code code) {
  switch (code) {
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::DEPTH_ERROR: return "nested too deeply";
    case simdjson::CAPACITY: return "record too large";
    case simdjson::EMPTY: return "empty";
    default: return std::string("not valid JSON (") + simdjson::error_message(code) + ")";
  }
}

// Members whose array holds a document's records, each record's origin
// "name:line#index": CloudTrail trail files ("Records"), `aws cloudtrail
// lookup-events` pages ("Events", each entry wrapping its record), and
// CloudTrail Lake `get-query-results` pages ("QueryResultRows", each row an
// array of one-column objects).
constexpr std::array<std::string_view, 3> kRecordArrays{"Records", "Events", "QueryResultRows"};

// The member of `root` that holds its records, if it has one.
std::optional<std::pair<std::string_view, simdjson::dom::element>> record_array(simdjson::dom::element root) {
  if (!root.is_object()) return std::nullopt;
  simdjson::dom::element records;
  for (const std::string_view key : kRecordArrays) {
    if (root.at_key(key).get(records) == simdjson::SUCCESS) return std::pair{key, records};
  }
  if (event_hook_events(root, records)) return std::pair{std::string_view("data.events"), records};
  return std::nullopt;
}

// A Microsoft Graph response ({"value":[…]} with "@odata.*" members) or an
// Azure Monitor export ({"records":[…]}): the array of records when `root`
// is only such an envelope. A record that merely has a "value" or "records"
// member among others is left whole.
std::optional<simdjson::dom::array> envelope_list(simdjson::dom::element root) {
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  std::optional<simdjson::dom::array> list;
  for (const auto field : object) {
    if (field.key.starts_with("@odata.")) continue;
    simdjson::dom::array array;
    if ((field.key != "value" && field.key != "records") || list || field.value.get_array().get(array) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    list = array;
  }
  return list;
}

struct Splitter {
  std::string_view text;
  const std::string& name;
  const RecordVisitor& record;
  const RefusalVisitor& refuse;
  LineCounter lines{text};

  std::string where(std::size_t offset) { return name + ":" + std::to_string(lines.line_at(offset)); }

  // One parsed document that starts at `offset` in the text.
  void document(simdjson::dom::element root, std::size_t offset) {
    simdjson::dom::array array;
    if (root.get_array().get(array) == simdjson::SUCCESS) {
      const auto offsets = element_offsets(text, offset);
      std::size_t i = 0;
      for (const auto item : array) {
        record(item, where(i < offsets.size() ? offsets[i] : offset));
        ++i;
      }
    } else if (const auto member = record_array(root)) {
      if (member->second.get_array().get(array) != simdjson::SUCCESS) {
        refuse(where(offset), std::string(member->first) + " must be an array");
        return;
      }
      const std::string at = where(offset);
      std::size_t i = 0;
      for (const auto item : array) record(item, at + "#" + std::to_string(i++));
    } else if (const auto listed = envelope_list(root)) {
      const std::string at = where(offset);
      std::size_t i = 0;
      for (const auto item : *listed) record(item, at + "#" + std::to_string(i++));
    } else {
      record(root, where(offset));
    }
  }
};

std::size_t first_content(std::string_view text, std::size_t from) {
  while (from < text.size() && is_space(text[from])) ++from;
  return from;
}

// Pretty-printed documents one after another (pages of `aws cloudtrail
// lookup-events` appended to one file): read only when every one of them
// parses and is an object or an array, as one bad page would leave the rest
// without a reliable start.
bool concatenated_documents(const SourceText& source, std::size_t start, simdjson::dom::parser& parser,
                            Splitter& splitter) {
  const std::size_t size = source.text().size() - start;
  const auto read = [&](bool visit) {
    simdjson::dom::document_stream stream;
    if (parser.parse_many(source.data() + start, size, std::max<std::size_t>(size, 1024)).get(stream) != simdjson::SUCCESS) {
      return std::size_t{0};
    }
    std::size_t documents = 0;
    for (auto it = stream.begin(); it != stream.end(); ++it) {
      simdjson::dom::element root;
      // Only objects and arrays: "6{…}" is a damaged line, not a number
      // followed by a record.
      if ((*it).get(root) != simdjson::SUCCESS || !(root.is_object() || root.is_array())) return std::size_t{0};
      if (visit) splitter.document(root, start + it.current_index());
      ++documents;
    }
    return stream.truncated_bytes() == 0 ? documents : 0;
  };
  if (read(false) < 2) return false;
  read(true);
  return true;
}

}  // namespace

void split_records(const SourceText& source, const std::string& name, simdjson::dom::parser& parser,
                   const RecordVisitor& record, const RefusalVisitor& refuse) {
  std::string_view text = source.text();
  std::size_t start = 0;
  if (text.starts_with("\xEF\xBB\xBF")) start = 3;  // a UTF-8 byte-order mark
  start = first_content(text, start);
  if (start == text.size()) return;
  Splitter splitter{text, name, record, refuse};

  simdjson::dom::element root;
  // A first line that is a whole document with more after it can only be
  // JSON lines (one document never has content after its end): then the
  // parser never needs room for the whole file, only for its longest line.
  simdjson::error_code whole = simdjson::TAPE_ERROR;
  const std::size_t first_end = std::min(text.find('\n', start), text.size());
  const bool more_lines = first_content(text, first_end) < text.size();
  if (!more_lines || parser.parse(source.data() + start, first_end - start, false).error() != simdjson::SUCCESS) {
    whole = parser.parse(source.data() + start, text.size() - start, false).get(root);
    if (whole == simdjson::SUCCESS) {
      splitter.document(root, start);
      return;
    }
  }
  // Not one document: JSON lines. The buffer's padding lies after the last
  // line, and every earlier line is followed by the rest of the text, so
  // each line can be parsed in place.
  std::size_t good = 0;
  std::vector<std::pair<std::size_t, std::string>> refusals;
  for (std::size_t pos = start; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::size_t content = first_content(text.substr(0, end), pos);
    if (content < end) {
      const auto code = parser.parse(source.data() + content, end - content, false).get(root);
      if (code == simdjson::SUCCESS) {
        ++good;
        splitter.document(root, content);
      } else {
        refusals.emplace_back(content, reason_for(code));
      }
    }
    pos = end + 1;
  }
  if (good == 0) {
    if (concatenated_documents(source, start, parser, splitter)) return;
    // Neither one document nor JSON lines: one refusal, with the reason the
    // whole text failed (a truncated file, a binary file), not one per line.
    refuse(splitter.where(start), reason_for(whole));
    return;
  }
  for (const auto& [offset, reason] : refusals) refuse(splitter.where(offset), reason);
}

}  // namespace mandate::ingest
