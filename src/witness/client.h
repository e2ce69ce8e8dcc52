#pragma once
// The log's side of C2SP tlog-witness (https://c2sp.org/tlog-witness):
// formatting an add-checkpoint request and reading the witness's answer.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/merkle.h"
#include "ledger/note.h"

namespace mandate::witness {

// The request body is witness::format_add_checkpoint (add_checkpoint_request.h).

struct CosignatureRequestResult {
  enum class Kind {
    cosigned,     // 200: `cosignatures` holds the witness's signature lines
    conflict,     // 409: the witness's latest cosigned size is `witness_size`
    refused,      // any other 4xx/5xx: `why` says what the witness answered
    unreachable,  // no HTTP answer at all
  };
  Kind kind = Kind::unreachable;
  int status = 0;
  std::vector<ledger::NoteSignature> cosignatures;
  std::uint64_t witness_size = 0;
  std::string why;
};

// Reads an HTTP answer to add-checkpoint for the checkpoint whose note text
// (without signatures) is `checkpoint_text`.
CosignatureRequestResult read_witness_answer(int status, std::string_view content_type, std::string_view body,
                                  std::string_view checkpoint_text);

// Posts add-checkpoint requests to one witness over HTTP(S), reusing its
// connection between requests. Not thread-safe: one per witness and thread.
class WitnessClient {
 public:
  WitnessClient(std::string submission_prefix, std::chrono::milliseconds timeout);
  ~WitnessClient();
  WitnessClient(const WitnessClient&) = delete;
  WitnessClient& operator=(const WitnessClient&) = delete;

  CosignatureRequestResult add_checkpoint(std::uint64_t old_size, const std::vector<ledger::Hash>& proof,
                               std::string_view signed_checkpoint, std::string_view checkpoint_text);
  const std::string& url() const { return url_; }

 private:
  struct Connection;
  std::string url_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace mandate::witness
