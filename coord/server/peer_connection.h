// PeerConnection: one TCP connection between two members — frames in, frames out, a handshake
// first. The PeerTransport decides what a connection is for; this class only moves bytes.
//
// Life: created by the transport (dialed or accepted), it reports every frame and its closing to
// the transport, and deletes itself in its uv_tcp_t's close callback (libuv's rule: memory is
// freed only once the handle is closed). Threading: loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>

#include "protocol/frame.h"
#include "protocol/peer.h"

namespace coord::server {

class PeerTransport;

class PeerConnection {
 public:
  // expected_peer: the member dialed (0 for an accepted connection, known after its Hello).
  PeerConnection(PeerTransport* transport, uint64_t id, peer::MemberId expected_peer,
                 size_t max_frame_bytes, uint64_t created_ms);
  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  uv_tcp_t* tcp() { return &tcp_; }
  uint64_t id() const { return id_; }
  bool outbound() const { return expected_peer_ != 0; }
  peer::MemberId expected_peer() const { return expected_peer_; }
  // The member on the other side once its Hello was accepted; 0 before.
  peer::MemberId peer_id() const { return peer_id_; }
  void set_peer_id(peer::MemberId id) { peer_id_ = id; }
  bool established() const { return peer_id_ != 0; }
  uint64_t created_ms() const { return created_ms_; }
  const std::string& remote() const { return remote_; }

  // Dials `addr`; the transport hears OnConnected or the connection closes.
  int Connect(const sockaddr* addr);
  // Starts reading (after accept or connect).
  void Start();
  // Queues one frame (already framed). Frames are coalesced: they leave with the next Flush (the
  // transport flushes every connection written to at the end of each loop iteration), or at once
  // when kFlushBytes are queued. One write per iteration instead of one per message: a leader's
  // proposals for a whole batch of client requests, or a follower's acks, cost one syscall and
  // one wake-up of the peer.
  void Write(std::string frame);
  // Hands what Write queued to libuv (one uv_write).
  void Flush();
  // Bytes queued or handed to libuv and not yet written.
  uint64_t unsent_bytes() const { return unsent_bytes_; }
  // Closes at once (queued writes are cancelled), logging `reason`. Idempotent.
  void Close(const std::string& reason);
  bool closing() const { return closing_; }

 private:
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnConnect(uv_connect_t* req, int status);
  static void OnClosed(uv_handle_t* handle);

  PeerTransport* transport_;
  uint64_t id_;
  peer::MemberId expected_peer_;
  peer::MemberId peer_id_ = 0;
  uint64_t created_ms_;
  uv_tcp_t tcp_;
  uv_connect_t connect_req_;
  static constexpr size_t kFlushBytes = 1 << 20;
  FrameParser parser_;
  std::string pending_;  // frames written since the last Flush
  uint64_t unsent_bytes_ = 0;
  std::string remote_;
  char read_buffer_[64 * 1024];
  bool closing_ = false;
};

}  // namespace coord::server
