#include "server/internal/witnessing.h"

#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "home/home.h"
#include "ledger/checkpoint.h"

namespace mandate::server {
namespace {

void say(const std::string& event, const std::string& message) {
  // Replace, not throw, on bytes that are not UTF-8: this runs on the
  // witnessing thread, where an exception would end the process.
  std::cerr << nlohmann::json{{"event", event}, {"message", message}}.dump(-1, ' ', false,
                                                                           nlohmann::json::error_handler_t::replace)
            << std::endl;
}

// Prometheus label values: backslash, quote and newline escaped.
std::string label(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void check_log_key(const witness::WitnessPolicy& policy, home::Home& home) {
  if (policy.logs().empty()) return;
  for (const auto& log : policy.logs()) {
    for (const auto& mine : home.verifiers()) {
      if (log.key == mine.key && log.name == mine.name) return;
    }
  }
  fail(ErrorKind::bad_input, "the witness policy lists logs, and none is this ledger's checkpoint key " +
                                 home.active_verifier().to_string());
}

}  // namespace

Witnessing::Witnessing(const WitnessingConfig& config, home::Home& home)
    : home_(home),
      interval_(config.interval),
      timeout_(config.timeout),
      required_for_ready_(config.required_for_ready),
      publisher_(*config.policy, config.timeout, [&home](std::uint64_t first, std::uint64_t second) {
        return home.ledger().consistency_proof(first, second);
      }) {
  check_log_key(*config.policy, home);
  if (const auto kept = home.witnessed_checkpoint()) {
    if (const auto checkpoint = ledger::read_signed_checkpoint(*kept)) witnessed_size_ = checkpoint->size;
  }
}

Witnessing::~Witnessing() {
  thread_.request_stop();
  changed_.notify_all();
}

void Witnessing::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Witnessing::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    try {
      round();
    } catch (const std::exception& e) {  // never the end of the server: the next round tries again
      std::lock_guard lock(mu_);
      quorum_ = false;
      problem_ = std::string("the witnessing round failed: ") + e.what();
      ++rounds_;
      changed_.notify_all();
    }
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, stop, interval_, [this] { return requested_; });
  }
}

void Witnessing::round() {
  std::uint64_t size = 0;
  try {
    size = home_.ledger().size();
  } catch (const std::exception& e) {
    std::lock_guard lock(mu_);
    problem_ = std::string("the ledger cannot be read: ") + e.what();
    return;
  }
  {
    std::lock_guard lock(mu_);
    const bool waited_for = requested_;
    requested_ = false;
    // Nothing new, and the last round reached the quorum: nothing to ask.
    if (size == 0 || (size == sent_size_ && quorum_ && !waited_for)) {
      ++rounds_;
      changed_.notify_all();
      return;
    }
  }
  std::optional<witness::Publication> published;
  std::string problem;
  try {
    published = publisher_.publish(home_.sign_checkpoint());
    if (published->quorum.reached) {
      home_.record_witnessed_checkpoint(published->size, published->note);
    } else {
      problem = "checkpoint of size " + std::to_string(published->size) + " has cosignatures from " +
                std::to_string(published->quorum.cosigned_by.size()) + " witness(es), short of the policy's quorum";
      for (const auto& why : published->failures) problem += "; " + why;
      for (const auto& why : published->quorum.problems) problem += "; " + why;
    }
  } catch (const std::exception& e) {
    problem = std::string("publishing the checkpoint failed: ") + e.what();
  }
  std::lock_guard lock(mu_);
  if (problem != problem_ && !problem.empty()) say("witness_quorum", problem);
  if (problem.empty() && !problem_.empty()) say("witness_quorum", "quorum reached again");
  if (published) {
    sent_size_ = published->size;
    if (published->quorum.reached) witnessed_size_ = std::max(witnessed_size_, published->size);
  }
  quorum_ = problem.empty();
  if (!quorum_) ++quorum_failures_;
  problem_ = problem;
  ++rounds_;
  changed_.notify_all();
}

std::optional<std::string> Witnessing::witnessed_covering(std::uint64_t size) {
  if (auto kept = home_.witnessed_checkpoint_covering(size)) return kept;
  std::unique_lock lock(mu_);
  // The round under way may have signed before these entries: wait for the
  // one after it.
  const std::uint64_t wanted = rounds_ + (requested_ ? 1 : 2);
  requested_ = true;
  changed_.notify_all();
  changed_.wait_for(lock, 2 * (timeout_ * 3 + std::chrono::seconds(1)),
                    [&] { return witnessed_size_ >= size || rounds_ >= wanted; });
  lock.unlock();
  if (auto kept = home_.witnessed_checkpoint_covering(size)) return kept;
  return std::nullopt;
}

std::optional<std::string> Witnessing::quorum_problem() const {
  std::lock_guard lock(mu_);
  if (quorum_) return std::nullopt;
  return problem_;
}

std::string Witnessing::render_metrics() const {
  std::string out;
  {
    std::lock_guard lock(mu_);
    out += "# HELP mandate_witness_quorum Whether the newest checkpoint sent to the witnesses reached the policy's quorum.\n"
           "# TYPE mandate_witness_quorum gauge\nmandate_witness_quorum " + std::string(quorum_ ? "1" : "0") + "\n";
    out += "# HELP mandate_witnessed_checkpoint_size Entries covered by the newest checkpoint that reached the quorum.\n"
           "# TYPE mandate_witnessed_checkpoint_size gauge\nmandate_witnessed_checkpoint_size " +
           std::to_string(witnessed_size_) + "\n";
    out += "# HELP mandate_witness_quorum_failures_total Rounds whose checkpoint did not reach the quorum.\n"
           "# TYPE mandate_witness_quorum_failures_total counter\nmandate_witness_quorum_failures_total " +
           std::to_string(quorum_failures_) + "\n";
  }
  const auto states = publisher_.states();
  out += "# HELP mandate_witness_cosignatures_total Cosignatures received, by witness.\n"
         "# TYPE mandate_witness_cosignatures_total counter\n";
  for (const auto& s : states) {
    out += "mandate_witness_cosignatures_total{witness=\"" + label(s.name) + "\"} " + std::to_string(s.cosignatures) + "\n";
  }
  out += "# HELP mandate_witness_failures_total Requests to a witness that gave no cosignature, by witness.\n"
         "# TYPE mandate_witness_failures_total counter\n";
  for (const auto& s : states) {
    out += "mandate_witness_failures_total{witness=\"" + label(s.name) + "\"} " + std::to_string(s.failures) + "\n";
  }
  out += "# HELP mandate_witness_cosigned_size The newest checkpoint size each witness cosigned.\n"
         "# TYPE mandate_witness_cosigned_size gauge\n";
  for (const auto& s : states) {
    out += "mandate_witness_cosigned_size{witness=\"" + label(s.name) + "\"} " + std::to_string(s.cosigned_size) + "\n";
  }
  return out;
}

}  // namespace mandate::server
