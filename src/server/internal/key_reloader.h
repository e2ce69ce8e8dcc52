#pragma once
// Private to the server module: the build defines MANDATE_INSIDE_SERVER only for src/server/ and tests/server/.
#ifndef MANDATE_INSIDE_SERVER
#error "this header is internal to the server module; include a public server/ header instead"
#endif
// Keeps a running server's keyring in step with HOME/keys: re-reads the
// directory every `interval` and on SIGHUP, on a thread of its own so no
// request waits on the disk. Several servers share one database, each with
// a copy of the keys; a key file copied to every copy reaches every server
// without a restart. A directory that is refused (unreadable, a stray file,
// a wrong mode, nothing to sign with) leaves the keyring in use as it was,
// and says why on stderr (file names and kids, never key material).
#include <chrono>
#include <memory>

namespace mandate::keys {
class SharedKeyring;
}

namespace mandate::server {

class KeyReloader {
 public:
  // SIGHUP is handled from construction on: start it before announcing
  // that the server listens, or a SIGHUP sent then would end the process.
  KeyReloader(keys::SharedKeyring& keyring, std::chrono::milliseconds interval);
  ~KeyReloader();  // stops the thread; SIGHUP is then no longer handled
  KeyReloader(const KeyReloader&) = delete;
  KeyReloader& operator=(const KeyReloader&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mandate::server
