// libFuzzer target for the transparency-log formats mandate reads from the
// network or from files others write: a tlog-witness add-checkpoint body
// (what anyone may POST to a witness), signed notes and checkpoints, a
// tlog-policy file and a tlog-tiles path. Each must refuse or parse, never
// crash; what parses must come out of its own formatter the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/checkpoint.h"
#include "ledger/note.h"
#include "ledger/tiles.h"
#include "witness/add_checkpoint_request.h"
#include "witness/policy.h"

namespace {

void expect(bool holds) {
  if (!holds) __builtin_trap();
}

void add_checkpoint(std::string_view input) {
  const auto request = mandate::witness::parse_add_checkpoint(input);
  if (!request) return;
  expect(request->proof.size() <= mandate::witness::kMaxProofLines);
  const auto again = mandate::witness::parse_add_checkpoint(mandate::witness::format_add_checkpoint(*request));
  expect(again && again->old_size == request->old_size && again->proof == request->proof &&
         again->checkpoint == request->checkpoint);
}

void signed_note(std::string_view input) {
  const auto note = mandate::ledger::parse_signed_note(input);
  if (!note) return;
  const auto again = mandate::ledger::parse_signed_note(mandate::ledger::format_signed_note(*note));
  expect(again && again->text == note->text && again->signatures.size() == note->signatures.size());
  if (auto checkpoint = mandate::ledger::parse_checkpoint_body(note->text)) {
    expect(checkpoint->body() == note->text);
  }
}

void policy(std::string_view input) {
  const auto parsed = mandate::witness::WitnessPolicy::parse(input);
  if (!parsed) return;
  const auto again = mandate::witness::WitnessPolicy::parse(parsed->to_string());
  expect(again && again->witnesses().size() == parsed->witnesses().size() && again->quorum() == parsed->quorum());
}

void tile_path(std::string_view input) {
  const auto tile = mandate::ledger::parse_tile_path(input);
  if (!tile) return;
  expect(mandate::ledger::tile_path(*tile) == "tile/" + std::string(input));  // one name per resource
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  add_checkpoint(input);
  signed_note(input);
  policy(input);
  tile_path(input);
  return 0;
}
