// coord::Client: the C++ client of a coord ensemble. The one public header of the client library.
//
//   ClientOptions options;
//   options.connect_string = "10.0.0.1:2281,10.0.0.2:2281/myapp";
//   Result<std::unique_ptr<Client>> client = Client::Open(options);
//   (*client)->WaitConnected(5000);
//   Result<CreateResponse> created = (*client)->Create({.path = "/lock", .data = "me",
//                                                       .kind = NodeKind::kEphemeral});
//
// Semantics follow Apache ZooKeeper 3.8/3.9.
//
// SESSION. The client picks a server of the connect string at random (a PRNG seeded by
// `ClientOptions::seed`), opens a session with the requested timeout and keeps it alive with a ping
// whenever nothing was sent for a third of the negotiated timeout. When nothing is heard from the
// server for two thirds of the timeout, or the connection breaks, the session is `kSuspended`: the
// client reconnects (to the next server, with a bounded backoff after a full round) and resumes the
// session with its id, password and the last zxid it has seen (a server behind that zxid refuses,
// so a client never goes back in time). After a resume it re-sends its add_auth credentials and
// re-registers its watches, then sends the requests that waited. States are reported to
// `ClientOptions::on_state`: connecting → connected ⇄ suspended → expired | closed | auth_failed
// (the initial connecting is not reported).
//
// EXPIRY. A session is `kExpired` when a server says so on a resume, or — with
// `expire_when_disconnected` (the default) — when the client has heard nothing from any server for
// the whole negotiated timeout: a server would have expired it by then, and a client that cannot
// tell must assume it (an application holding a lock must stop acting as its owner). Expired,
// closed and auth_failed are final: every pending and later call fails, and watchers are dropped
// without a call. Create a new Client to start a new session.
//
// CALLS. Every operation exists in two forms: `FooAsync(..., callback)` returns at once and the
// callback receives the result; `Foo(...)` blocks and returns it. Results are values:
// Result<T> or Status, with ZooKeeper's codes (coord/base/status.h). When a connection breaks:
//   - calls already sent complete with kConnectionLoss: they may or may not have been applied, the
//     application decides whether to retry (ZooKeeper's semantics);
//   - calls not sent yet (issued while disconnected) wait for a connection up to
//     `request_timeout_ms`, then complete with kOperationTimeout: those were never sent and
//     certainly not applied;
//   - after the session ended, calls fail at once with kSessionExpired (expired), kConnectionLoss
//     (closed) or kAuthFailed.
// A call with an invalid path (ZooKeeper's path rules) fails with kBadArguments without being sent;
// more than max_pending_calls outstanding calls fail with kThrottled. Every callback runs exactly
// once — except for calls made while the Client is being destroyed, which fail with
// kConnectionLoss or are dropped.
//
// THREADS. Every method is thread-safe. The client owns two threads: an I/O thread (its libuv loop)
// and an event thread. Every callback — call results, watch events, session states — runs on the
// event thread, one at a time, in order: results in the order the calls were made, each watch event
// before the result of any call issued after the change that caused it (ZooKeeper's ordering
// guarantee). Never on the caller's thread, never on the I/O thread. Callbacks must not throw and
// should be short: a slow callback delays every later one.
//   A blocking call made on the event thread (from inside a callback) would wait for a callback
// that can only run after it returns; it therefore fails at once with kBadArguments. Use the
// Async form there. Destroying the Client from its own event thread is a bug (CHECK).
//
// WATCHES. One-shot watches: pass a Watcher to ExistsAsync / GetDataAsync / GetChildrenAsync (or
// the blocking forms); it is called once, with the first change. Persistent and persistent
// recursive watches: AddWatch(path, mode, watcher); they stay until RemoveWatches. Every watcher
// registered for a path is called (they are not deduplicated). Paths in events are relative to the
// chroot. After a reconnect the client re-registers every watch with the last zxid it has seen:
// the server reports at once what one-shot watches missed (their watchers fire as usual), but it
// does not replay changes to persistent watches. The MISSED-EVENTS SIGNAL is therefore
// `SessionEvent::events_may_be_missed`, set on the `kConnected` event of a resumed session when
// persistent watches were registered: the application should re-read what they cover.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coord/base/status.h"
#include "protocol/client.h"
#include "protocol/types.h"

namespace coord {

enum class SessionState : uint8_t {
  kConnecting,  // no session yet: the first connection is being made (the initial state)
  kConnected,   // the session is open on a server
  kSuspended,   // the connection was lost; the session may be alive; reconnecting
  kExpired,     // final: the session is gone (the server said so, or silence for its timeout)
  kClosed,      // final: Close() ended the session
  kAuthFailed,  // final: a server refused the session's password on resume
};

// "connecting", "connected", ...
const char* SessionStateName(SessionState state);
inline bool IsFinal(SessionState state) {
  return state == SessionState::kExpired || state == SessionState::kClosed ||
         state == SessionState::kAuthFailed;
}

// A change of session state, delivered to ClientOptions::on_state on the event thread.
struct SessionEvent {
  SessionState state = SessionState::kConnecting;
  SessionId session_id = 0;
  // kConnected: the session existed before this connection (a reconnect, not a new session).
  bool resumed = false;
  // kConnected after a reconnect: persistent watches were re-registered and changes made while
  // the client was disconnected were not delivered to them. Re-read the state they cover.
  // (One-shot watches are not affected: the server reports what they missed.)
  bool events_may_be_missed = false;
  // Why: for kSuspended the connection's fate, for final states the cause. Ok otherwise.
  Status reason;
};

// A change to a watched node.
struct WatchEvent {
  WatchEventType type = WatchEventType::kNodeCreated;
  std::string path;  // relative to the chroot
  Zxid zxid = 0;     // the transaction that caused it
};

using Watcher = std::function<void(const WatchEvent&)>;
using StateCallback = std::function<void(const SessionEvent&)>;
template <typename T>
using Callback = std::function<void(Result<T>)>;
using StatusCallback = std::function<void(Status)>;

struct ClientOptions {
  // host:port[,host:port...][/chroot]; an IPv6 address goes in brackets: [::1]:2281.
  std::string connect_string;
  // Asked of the server, which clamps it to its [min, max].
  int32_t session_timeout_ms = 10000;
  // How long a call issued while disconnected waits for a connection (0: the session timeout).
  int64_t request_timeout_ms = 0;
  // Seeds the choice of servers and the backoff jitter; 0 picks a random seed.
  uint64_t seed = 0;
  // Declare the session expired after hearing nothing from any server for its whole timeout.
  bool expire_when_disconnected = true;
  // Resume an existing session instead of creating one (ZooKeeper's sessionId + password).
  SessionId session_id = 0;
  std::string session_password;
  // Session state changes, on the event thread. May be empty.
  StateCallback on_state;
  // Bounds (a limit on everything). Calls beyond max_pending_calls fail with kThrottled.
  size_t max_pending_calls = 65536;
  size_t max_frame_bytes = 64 << 20;
  // Reconnect backoff after every server of the list failed once: doubles from min to max.
  int64_t min_backoff_ms = 10;
  int64_t max_backoff_ms = 1000;
};

class Client {
 public:
  // Validates the options and starts connecting; does not wait for a connection. kBadArguments
  // for a malformed connect string.
  static Result<std::unique_ptr<Client>> Open(ClientOptions options);
  // Closes the session if it is connected (blocking, bounded by request_timeout_ms; a session
  // that is not connected is abandoned and expires on the servers after its timeout), then stops
  // the threads after running every pending callback. Must not run on the event thread.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // --- session ---
  // Waits until the session is connected (ok), reaches a final state (its reason), or the timeout
  // passes (kOperationTimeout). Callable from any thread.
  Status WaitConnected(int64_t timeout_ms);
  // The current state as the I/O thread sees it (the state callback may not have run yet).
  SessionState state() const;
  SessionId session_id() const;                   // 0 before the first connection
  std::string session_password() const;           // to resume the session in another client
  int32_t negotiated_session_timeout_ms() const;  // 0 before the first connection
  // True on this client's event thread (where blocking calls fail).
  bool OnEventThread() const;

  // Session state changes for more than one party (the recipes use this): `listener` runs on the
  // event thread after ClientOptions::on_state, for every later change, until removed. A
  // listener removed from inside a callback may still see the event being delivered.
  uint64_t AddStateListener(StateCallback listener);
  void RemoveStateListener(uint64_t id);

  // --- asynchronous API: the callback runs once, on the event thread ---
  void CreateAsync(CreateRequest request, Callback<CreateResponse> done);
  void DeleteAsync(std::string path, int32_t version, StatusCallback done);
  // A missing node is ok with nullopt. A watcher sees the node's creation, change or deletion.
  void ExistsAsync(std::string path, Callback<std::optional<Stat>> done, Watcher watcher = {});
  void GetDataAsync(std::string path, Callback<GetDataResponse> done, Watcher watcher = {});
  void SetDataAsync(std::string path, std::string data, int32_t version, Callback<Stat> done);
  // One page of children (request.after, request.limit); request.watch is set from `watcher`.
  void GetChildrenAsync(GetChildrenRequest request, Callback<GetChildrenResponse> done,
                        Watcher watcher = {});
  // Every child, paging as needed (the watch is set with the first page). Each page is consistent;
  // the whole list is not a snapshot if children change meanwhile (the watcher then fires). Each
  // page is a call of its own: with several pages, results of calls made after this one may
  // arrive before its callback.
  void GetAllChildrenAsync(std::string path, Callback<std::vector<std::string>> done,
                           Watcher watcher = {});
  void GetAclAsync(std::string path, Callback<GetAclResponse> done);
  void SetAclAsync(std::string path, AclList acl, int32_t version, Callback<Stat> done);
  // Atomic: all ops apply or none. Ok only when every op succeeded; otherwise the failing op's
  // code, with "op N: " and its reason in the message.
  void MultiAsync(std::vector<MultiOpRequest> ops, Callback<MultiResponse> done);
  // Reads at one point in time; each result carries its own code. Sets no watches.
  void MultiReadAsync(std::vector<ReadOpRequest> ops, Callback<MultiResponse> done);
  void SyncAsync(std::string path, StatusCallback done);
  void AddWatchAsync(std::string path, AddWatchMode mode, Watcher watcher, StatusCallback done);
  // Removes this client's watches of `type` on `path` (all of its watchers for them); they are
  // dropped without a call. kNoWatcher if the server had none.
  void RemoveWatchesAsync(std::string path, WatcherType type, StatusCallback done);
  // The session's ephemerals whose paths start with `prefix` ("/": all).
  void GetEphemeralsAsync(std::string prefix, Callback<std::vector<std::string>> done);
  // Adds an identity ("digest", "user:password") to the session; re-sent after reconnects.
  void AddAuthAsync(std::string scheme, std::string auth, StatusCallback done);
  void WhoAmIAsync(Callback<std::vector<ClientIdentity>> done);
  void ServerStatusAsync(Callback<ServerStatusResponse> done);
  // Ends the session (its ephemerals go) after the calls made before it; then state kClosed and
  // later calls fail with kConnectionLoss. While disconnected it waits for a connection like any
  // call (request_timeout_ms); the client is closed whatever the outcome. Closing a client whose
  // session already ended is ok.
  void CloseAsync(StatusCallback done);

  // --- blocking API: the same operations; kBadArguments at once on the event thread ---
  Result<CreateResponse> Create(CreateRequest request);
  Status Delete(std::string path, int32_t version = kAnyVersion);
  Result<std::optional<Stat>> Exists(std::string path, Watcher watcher = {});
  Result<GetDataResponse> GetData(std::string path, Watcher watcher = {});
  Result<Stat> SetData(std::string path, std::string data, int32_t version = kAnyVersion);
  Result<GetChildrenResponse> GetChildren(GetChildrenRequest request, Watcher watcher = {});
  Result<std::vector<std::string>> GetAllChildren(std::string path, Watcher watcher = {});
  Result<GetAclResponse> GetAcl(std::string path);
  Result<Stat> SetAcl(std::string path, AclList acl, int32_t version = kAnyVersion);
  Result<MultiResponse> Multi(std::vector<MultiOpRequest> ops);
  Result<MultiResponse> MultiRead(std::vector<ReadOpRequest> ops);
  Status Sync(std::string path);
  Status AddWatch(std::string path, AddWatchMode mode, Watcher watcher);
  Status RemoveWatches(std::string path, WatcherType type);
  Result<std::vector<std::string>> GetEphemerals(std::string prefix = "/");
  Status AddAuth(std::string scheme, std::string auth);
  Result<std::vector<ClientIdentity>> WhoAmI();
  Result<ServerStatusResponse> ServerStatus();
  Status Close();

  struct Impl;  // internal

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace coord
