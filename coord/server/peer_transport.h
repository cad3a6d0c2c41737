// PeerTransport: the libuv TCP links between the members of one ensemble, carrying Zab's
// messages (coord/zab/messages.h) and the replicas' member messages (forwarded requests, their
// replies and session touches: coord/replica/member_messages.h) as frames (protocol/frame.h) of
// PeerMessages (protocol/peer_codec.h). The production twin of the simulator's network.
//
// Connections. One TCP connection per pair of members: the member with the LOWER id dials, the
// higher one accepts (ZooKeeper's QuorumCnxManager rule, inverted only in direction). No
// duplicate-resolution dance is needed; an accepted connection from a member that should have been
// dialed is refused. If a member accepts a new connection from a peer that still has one (the peer
// restarted and the old socket is half-open), the NEWER one wins and the old one is closed.
//
// Handshake. Both sides send a Hello (cluster id, member id, protocol version) as the first
// frame: the dialer at once, the acceptor only after it accepted the dialer's Hello. A Hello naming
// another cluster, an unknown member, this member itself, a peer that should not dial, or another
// protocol version is refused: logged (warn) and the connection closed. A connection that has not
// completed its handshake within handshake_timeout_ms is closed; at most max_pending_connections
// may be handshaking at once.
//
// Reconnect. The dialer redials a lost or failed connection after an exponential backoff from
// reconnect_min_ms to reconnect_max_ms, jittered to [delay/2, delay] by a PRNG seeded through the
// options; a completed handshake resets the backoff.
//
// Queues and loss. Zab tolerates lost messages (the core resends, a learner resyncs), so the
// transport prefers bounded memory to delivery:
//  - while a peer is not connected, messages to it wait in a queue of max_queued_messages; past
//    that the OLDEST is dropped (elections only care about the newest votes);
//  - once connected, messages are written at the end of the loop iteration that sent them, all of
//    a connection's messages of that iteration in one write (PeerConnection::Write); if more than
//    max_unsent_bytes are waiting for the kernel (the peer does not read), the connection is closed
//    instead of dropping from the middle of a live stream, which would silently leave a gap; the
//    peer resyncs on reconnect.
// Messages are delivered in order per pair while a connection lasts; Zab's and the member messages
// share the one connection, queue and limits, so their relative order is kept too. A lost member
// message is the replica's to handle (a client retries on another server, a touch is resent).
//
// A malformed frame or message from a peer closes that connection only (logged), like a client's.
//
// Threading: loop thread only, including every callback; callbacks may call Send. Ownership: the
// caller owns the transport and the loop; Close() must be called and the loop run until closed()
// before the transport is destroyed (the destructor CHECKs it).
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "coord/base/prng.h"
#include "coord/base/status.h"
#include "coord/replica/member_messages.h"
#include "coord/server/host_port.h"
#include "coord/zab/messages.h"
#include "protocol/peer.h"

namespace coord::server {

class PeerConnection;

struct PeerTransportOptions {
  std::string cluster_id;
  zab::MemberId self = 0;
  HostPort listen_address;                     // numeric IP; port 0 picks a free port
  std::map<zab::MemberId, HostPort> members;   // every other member: id -> peer address (numeric)
  size_t max_frame_bytes = size_t{256} << 20;  // a Snap carries a whole snapshot
  size_t max_queued_messages = 4096;           // per peer, while not connected: drop oldest
  uint64_t max_unsent_bytes = uint64_t{512} << 20;  // per connection: disconnect past this
  uint64_t reconnect_min_ms = 50;
  uint64_t reconnect_max_ms = 5000;
  uint64_t handshake_timeout_ms = 5000;
  size_t max_pending_connections = 64;
  uint64_t seed = 1;  // reconnect jitter
};

struct PeerTransportCallbacks {
  std::function<void(zab::MemberId from, zab::Message message)> on_message;
  std::function<void(zab::MemberId peer)> on_connected;
  std::function<void(zab::MemberId peer)> on_disconnected;
  // Forward, ForwardReply and SessionTouches (coord/replica/member_messages.h); dropped if unset.
  std::function<void(zab::MemberId from, MemberMessage message)> on_member_message;
  // After the messages of one read from a connection were delivered: the place to act on them
  // together (the server pumps once per read instead of once per message).
  std::function<void()> on_read_done;
};

class PeerTransport {
 public:
  struct Stats {
    uint64_t refused_handshakes = 0;  // another cluster, unknown id, wrong direction, version
    uint64_t malformed = 0;           // connections closed for a bad frame or message
    uint64_t dropped_messages = 0;    // oldest queued messages dropped while disconnected
    uint64_t overflow_disconnects = 0;
    uint64_t writes = 0;  // writes handed to libuv, each carrying every frame queued before it
  };

  PeerTransport(uv_loop_t* loop, PeerTransportOptions options, PeerTransportCallbacks callbacks);
  ~PeerTransport();
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Binds and listens; returns the bound port (the real one when listen_address.port is 0).
  Result<uint16_t> Listen();
  // Starts dialing the members with higher ids. Call after Listen (and after SetMemberAddress
  // when ports were only known after every member listened).
  void Start();
  // Changes where `member` is dialed; takes effect at the next dial.
  void SetMemberAddress(zab::MemberId member, HostPort address);

  // Sends `message` to `to` (a configured member, CHECKed), or queues it until connected.
  void Send(zab::MemberId to, const zab::Message& message);
  void Send(zab::MemberId to, const MemberMessage& message);
  bool connected(zab::MemberId peer) const;
  const Stats& stats() const { return stats_; }
  // Writes what Send queued now rather than at the end of this loop iteration.
  void Flush();

  // Closes every connection, the listener and the timers; no callback runs afterwards.
  void Close();
  // Every handle is closed: the transport may be destroyed.
  bool closed() const { return closing_ && open_handles_ == 0 && connections_.empty(); }

  // --- for PeerConnection ---
  void OnConnected(PeerConnection* conn);
  void OnFrame(PeerConnection* conn, std::string_view payload);
  void OnMalformed(PeerConnection* conn, const std::string& reason);
  void OnClosing(PeerConnection* conn, const std::string& reason);
  void OnFreed(PeerConnection* conn);
  void OnReadDone();
  void CountWrite() { ++stats_.writes; }
  // `conn` has frames queued: flush it at the end of this loop iteration.
  void MarkDirty(PeerConnection* conn);

 private:
  struct Peer {
    PeerTransport* owner = nullptr;
    zab::MemberId id = 0;
    HostPort address;
    bool dial = false;                  // self < id: this side dials
    PeerConnection* open = nullptr;     // the established connection
    PeerConnection* dialing = nullptr;  // an outbound connection before its handshake completed
    std::deque<std::string> queue;      // frames waiting for a connection
    uv_timer_t timer;                   // reconnect
    uint32_t attempts = 0;
  };

  static void OnAccept(uv_stream_t* server, int status);
  static void OnReconnectTimer(uv_timer_t* timer);
  static void OnSweepTimer(uv_timer_t* timer);
  static void OnFlushCheck(uv_check_t* check);

  void Dial(Peer& peer);
  void ScheduleReconnect(Peer& peer);
  void OnHello(PeerConnection* conn, const peer::Hello& hello);
  void Refuse(PeerConnection* conn, const std::string& why);
  void Establish(PeerConnection* conn, Peer& peer);
  void SendWire(zab::MemberId to, const peer::Message& message);
  void SendFrame(Peer& peer, std::string frame);
  std::string HelloFrame() const;
  Peer* Find(zab::MemberId id);

  uv_loop_t* loop_;
  PeerTransportOptions options_;
  PeerTransportCallbacks callbacks_;
  Prng prng_;
  std::map<zab::MemberId, std::unique_ptr<Peer>> peers_;
  std::set<PeerConnection*> connections_;  // every connection not yet freed
  uv_tcp_t listener_;
  uv_timer_t sweep_timer_;  // handshake deadlines
  // Connections with queued frames. The check handle flushes them after this iteration's I/O
  // callbacks; the idle handle, active only while something is queued, keeps the loop from
  // blocking in poll before that (frames queued outside a callback, e.g. at start-up).
  std::vector<PeerConnection*> dirty_;
  uv_check_t flush_check_;
  uv_idle_t flush_idle_;
  bool flush_scheduled_ = false;
  uint64_t next_connection_id_ = 1;
  int open_handles_ = 0;  // listener, timers
  bool listening_ = false;
  bool started_ = false;
  bool closing_ = false;
  Stats stats_;
};

}  // namespace coord::server
