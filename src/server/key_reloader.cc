#include "server/internal/key_reloader.h"

#include <csignal>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "keys/shared_keyring.h"

namespace mandate::server {

namespace net = boost::asio;

struct KeyReloader::Impl {
  keys::SharedKeyring& keyring;
  std::chrono::milliseconds interval;
  net::io_context ioc{1};
  net::signal_set hangup{ioc, SIGHUP};
  net::steady_timer timer{ioc};
  // The last refusal logged, so a directory left broken is reported once
  // per change rather than at every interval. Touched by the thread only.
  std::string last_refusal;
  std::thread thread;

  Impl(keys::SharedKeyring& k, std::chrono::milliseconds i) : keyring(k), interval(i) {
    wait_for_hangup();
    arm_timer();
    thread = std::thread([this] { ioc.run(); });
  }

  ~Impl() {
    ioc.stop();
    if (thread.joinable()) thread.join();
  }

  void wait_for_hangup() {
    hangup.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      reload("SIGHUP", true);
      wait_for_hangup();
    });
  }

  void arm_timer() {
    timer.expires_after(interval);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      reload("interval", false);
      arm_timer();
    });
  }

  // `asked`: an operator sent SIGHUP and expects to hear back either way.
  void reload(std::string_view trigger, bool asked) {
    auto outcome = keyring.reload();
    const auto keyring_now = keyring.current();
    if (!outcome) {
      if (asked || outcome.error() != last_refusal) {
        log({{"event", "keys_reload_refused"},
             {"trigger", trigger},
             {"message", outcome.error()},
             {"kept_active", keyring_now->active().kid()}});
      }
      last_refusal = outcome.error();
      return;
    }
    last_refusal.clear();
    if (!*outcome && !asked) return;
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& info : keyring_now->list()) listed.push_back({{"kid", info.kid}, {"state", keys::to_string(info.state)}});
    log({{"event", *outcome ? "keys_reloaded" : "keys_unchanged"},
         {"trigger", trigger},
         {"active", keyring_now->active().kid()},
         {"keys", std::move(listed)}});
  }

  static void log(const nlohmann::json& line) { std::cerr << line.dump() << std::endl; }
};

KeyReloader::KeyReloader(keys::SharedKeyring& keyring, std::chrono::milliseconds interval)
    : impl_(std::make_unique<Impl>(keyring, interval)) {}

KeyReloader::~KeyReloader() = default;

}  // namespace mandate::server
