#include "witness/client.h"

#include <curl/curl.h>

#include <charconv>

#include "core/error.h"
#include "witness/add_checkpoint_request.h"

namespace mandate::witness {
namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

constexpr std::size_t kMaxAnswer = 64 * 1024;  // a handful of signature lines; anything longer is not a witness

struct Collected {
  std::string body;
  bool too_long = false;
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto& c = *static_cast<Collected*>(user);
  if (c.body.size() + size * count > kMaxAnswer) {
    c.too_long = true;
    return 0;
  }
  c.body.append(data, size * count);
  return size * count;
}

// A witness's error bodies are for people; keep them short and printable.
std::string excerpt(std::string_view body) {
  std::string out;
  for (const char c : body.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

CosignatureRequestResult read_witness_answer(int status, std::string_view content_type, std::string_view body,
                                  std::string_view checkpoint_text) {
  CosignatureRequestResult answer;
  answer.status = status;
  if (status == 200) {
    auto note = ledger::parse_signed_note(std::string(checkpoint_text) + "\n" + std::string(body));
    if (!note || note->signatures.empty()) {
      answer.kind = CosignatureRequestResult::Kind::refused;
      answer.why = "answered 200 without signature lines" + (note ? std::string() : ": " + note.error());
      return answer;
    }
    answer.kind = CosignatureRequestResult::Kind::cosigned;
    answer.cosignatures = std::move(note->signatures);
    return answer;
  }
  if (status == 409) {
    std::string_view text = body;
    if (!content_type.starts_with("text/x.tlog.size") || !text.ends_with('\n')) {
      answer.kind = CosignatureRequestResult::Kind::refused;
      answer.why = "answered 409 without a text/x.tlog.size body";
      return answer;
    }
    text.remove_suffix(1);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), answer.witness_size);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      answer.kind = CosignatureRequestResult::Kind::refused;
      answer.why = "answered 409 with a size that is not a number";
      return answer;
    }
    answer.kind = CosignatureRequestResult::Kind::conflict;
    return answer;
  }
  answer.kind = CosignatureRequestResult::Kind::refused;
  answer.why = "answered " + std::to_string(status);
  if (const auto said = excerpt(body); !said.empty()) answer.why += ": " + said;
  return answer;
}

struct WitnessClient::Connection {
  std::unique_ptr<CURL, CurlDeleter> curl;
  std::unique_ptr<curl_slist, CurlDeleter> headers;
};

WitnessClient::WitnessClient(std::string submission_prefix, std::chrono::milliseconds timeout)
    : url_(std::move(submission_prefix)), timeout_(timeout), connection_(std::make_unique<Connection>()) {
  // See notify/curl_sender.cc: curl_global_init once, from the first builder.
  static const CURLcode initialised = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (initialised != CURLE_OK) fail(ErrorKind::internal, "libcurl failed to initialise");
  while (url_.ends_with('/')) url_.pop_back();
  url_ += "/add-checkpoint";
  connection_->curl.reset(curl_easy_init());
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  if (headers != nullptr) {
    curl_slist* grown = curl_slist_append(headers, "Content-Type: text/plain; charset=utf-8");
    connection_->headers.reset(grown != nullptr ? grown : headers);
  }
}

WitnessClient::~WitnessClient() = default;

CosignatureRequestResult WitnessClient::add_checkpoint(std::uint64_t old_size, const std::vector<ledger::Hash>& proof,
                                            std::string_view signed_checkpoint, std::string_view checkpoint_text) {
  CosignatureRequestResult answer;
  CURL* curl = connection_->curl.get();
  if (curl == nullptr) {
    answer.why = "cannot create a libcurl handle";
    return answer;
  }
  const std::string body = format_add_checkpoint({old_size, proof, std::string(signed_checkpoint)});
  Collected collected;
  char error[CURL_ERROR_SIZE] = {};
  const long timeout_ms = static_cast<long>(timeout_.count());
  curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, connection_->headers.get());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &collected);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  const CURLcode done = curl_easy_perform(curl);
  if (collected.too_long) {
    answer.kind = CosignatureRequestResult::Kind::refused;
    answer.why = "the witness's answer is longer than " + std::to_string(kMaxAnswer) + " bytes";
    return answer;
  }
  if (done != CURLE_OK) {
    answer.why = error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(done));
    return answer;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  const char* type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
  return read_witness_answer(static_cast<int>(status), type != nullptr ? type : "", collected.body, checkpoint_text);
}

}  // namespace mandate::witness
