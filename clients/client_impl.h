// Client::Impl: what a Client owns — its options, chroot, session view, event thread, I/O thread
// and the engine that runs on it — and how a call reaches the engine.
//
// Threading: Submit() from any thread; `engine` is touched only on the I/O thread (it is created
// there, in the loop's init, and destroyed after the loop ended).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "clients/call_queue.h"
#include "clients/chroot.h"
#include "clients/engine.h"
#include "clients/event_thread.h"
#include "clients/loop_thread.h"
#include "clients/session_view.h"
#include "coord/client.h"

namespace coord {

struct Client::Impl {
  ClientOptions options;
  client::Chroot chroot;
  client::SessionView view;
  int64_t blocking_limit_ms = 0;  // a blocking call gives up after this (a safety bound)
  // Session state listeners besides options.on_state (recipes use them); called on the event
  // thread after on_state, in the order they were added.
  std::mutex listeners_mu;
  std::map<uint64_t, StateCallback> listeners;  // guarded by listeners_mu
  uint64_t next_listener = 1;                   // guarded by listeners_mu
  void NotifyState(const SessionEvent& event);
  // Destroyed in reverse order; ~Client stops the threads explicitly first.
  client::EventThread events;
  std::unique_ptr<client::Engine> engine;
  client::LoopThread loop;

  // Hands a call to the engine; `failed` completes it with that status, in order.
  void Submit(client::Call call, std::optional<Status> failed = std::nullopt);
  // Wraps an application watcher so that it sees paths relative to the chroot.
  Watcher WrapWatcher(Watcher watcher) const;
};

}  // namespace coord
