#include "witness/add_checkpoint_request.h"

#include <algorithm>
#include <charconv>

#include "encoding/base64.h"

namespace mandate::witness {
namespace {

// "0", or digits without a leading zero: one size has one encoding.
std::expected<std::uint64_t, std::string> decimal(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text.front() == '0')) {
    return std::unexpected("the old size must be a decimal number without leading zeroes");
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::unexpected("the old size must be a decimal number below 2^64");
  }
  return value;
}

}  // namespace

std::expected<AddCheckpointRequest, std::string> parse_add_checkpoint(std::string_view body) {
  AddCheckpointRequest request;
  std::size_t line_number = 0;
  auto next_line = [&]() -> std::expected<std::string_view, std::string> {
    const std::size_t end = body.find('\n');
    ++line_number;
    if (end == std::string_view::npos) {
      return std::unexpected("line " + std::to_string(line_number) + " does not end with a newline" +
                             (line_number == 1 ? "" : " (no empty line before the checkpoint?)"));
    }
    const std::string_view line = body.substr(0, end);
    body.remove_prefix(end + 1);
    return line;
  };

  auto old_line = next_line();
  if (!old_line) return std::unexpected(old_line.error());
  if (!old_line->starts_with("old ")) return std::unexpected("line 1 must be \"old <size>\"");
  auto old_size = decimal(old_line->substr(4));
  if (!old_size) return std::unexpected("line 1: " + old_size.error());
  request.old_size = *old_size;

  while (true) {
    auto line = next_line();
    if (!line) return std::unexpected(line.error());
    if (line->empty()) break;
    if (request.proof.size() == kMaxProofLines) {
      return std::unexpected("more than " + std::to_string(kMaxProofLines) + " consistency proof lines");
    }
    const auto hash = encoding::base64_decode(*line);
    if (!hash || hash->size() != ledger::Hash{}.size()) {
      return std::unexpected("line " + std::to_string(line_number) + ": a consistency proof line is one base64 SHA-256 hash (is the empty line before the checkpoint missing?)");
    }
    ledger::Hash h{};
    std::copy(hash->begin(), hash->end(), h.begin());
    request.proof.push_back(h);
  }
  if (body.empty()) return std::unexpected("no checkpoint after the empty line");
  request.checkpoint = std::string(body);
  return request;
}

std::string format_add_checkpoint(const AddCheckpointRequest& request) {
  std::string body = "old " + std::to_string(request.old_size) + "\n";
  for (const ledger::Hash& h : request.proof) body += encoding::base64_encode(h) + "\n";
  body += "\n";
  body += request.checkpoint;
  return body;
}

}  // namespace mandate::witness
