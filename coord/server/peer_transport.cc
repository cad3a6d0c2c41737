#include "coord/server/peer_transport.h"

#include <algorithm>

#include "coord/base/check.h"
#include "coord/base/logging.h"
#include "coord/server/peer_connection.h"
#include "coord/server/peer_messages.h"
#include "protocol/frame.h"
#include "protocol/peer_codec.h"

namespace coord::server {
namespace {

Status Resolve(const HostPort& hp, sockaddr_storage* out) {
  std::string host = hp.host == "localhost" ? "127.0.0.1" : hp.host;
  if (uv_ip4_addr(host.c_str(), hp.port, reinterpret_cast<sockaddr_in*>(out)) == 0 ||
      uv_ip6_addr(host.c_str(), hp.port, reinterpret_cast<sockaddr_in6*>(out)) == 0) {
    return Status::Ok();
  }
  return Status(
      Code::kInvalidArgument,
      "peer address " + hp.ToString() + " is not a numeric IP address (names are not resolved)");
}

// The replicas' own messages, delivered to on_member_message instead of Zab.
bool IsMemberMessage(const peer::Message& m) {
  return std::holds_alternative<peer::Forward>(m) ||
         std::holds_alternative<peer::ForwardReply>(m) ||
         std::holds_alternative<peer::SessionTouches>(m);
}

}  // namespace

PeerTransport::PeerTransport(uv_loop_t* loop, PeerTransportOptions options,
                             PeerTransportCallbacks callbacks)
    : loop_(loop),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      prng_(options_.seed) {
  CHECK(options_.self != 0) << "member id 0 means none";
  CHECK(options_.reconnect_min_ms >= 1 && options_.reconnect_min_ms <= options_.reconnect_max_ms);
  for (const auto& [id, address] : options_.members) {
    CHECK(id != options_.self && id != 0) << "bad member id " << id;
    auto peer = std::make_unique<Peer>();
    peer->owner = this;
    peer->id = id;
    peer->address = address;
    peer->dial = options_.self < id;
    uv_timer_init(loop_, &peer->timer);
    peer->timer.data = peer.get();
    ++open_handles_;
    peers_.emplace(id, std::move(peer));
  }
  uv_timer_init(loop_, &sweep_timer_);
  sweep_timer_.data = this;
  ++open_handles_;
  uv_check_init(loop_, &flush_check_);
  flush_check_.data = this;
  uv_idle_init(loop_, &flush_idle_);
  flush_idle_.data = this;
  open_handles_ += 2;
  listener_.data = this;
}

PeerTransport::~PeerTransport() {
  CHECK(closed()) << "PeerTransport destroyed before Close() completed on its loop";
}

Result<uint16_t> PeerTransport::Listen() {
  CHECK(!listening_ && !closing_);
  sockaddr_storage addr{};
  COORD_RETURN_IF_ERROR(Resolve(options_.listen_address, &addr));
  uv_tcp_init(loop_, &listener_);
  ++open_handles_;
  listening_ = true;
  int rc = uv_tcp_bind(&listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 128, &OnAccept);
  if (rc != 0) {
    return Status(Code::kIoError, "cannot listen on " + options_.listen_address.ToString() +
                                      " for peers: " + uv_strerror(rc));
  }
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&bound), &len);
  uint16_t port = bound.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  LOG_INFO << "member " << options_.self << " listens for peers on port " << port;
  return port;
}

void PeerTransport::Start() {
  CHECK(!started_ && !closing_);
  started_ = true;
  uint64_t sweep_ms = std::max<uint64_t>(options_.handshake_timeout_ms / 4, 10);
  uv_timer_start(&sweep_timer_, &OnSweepTimer, sweep_ms, sweep_ms);
  for (auto& [id, peer] : peers_) {
    if (peer->dial) Dial(*peer);
  }
}

void PeerTransport::SetMemberAddress(zab::MemberId member, HostPort address) {
  Peer* peer = Find(member);
  CHECK(peer != nullptr) << "unknown member " << member;
  peer->address = std::move(address);
}

PeerTransport::Peer* PeerTransport::Find(zab::MemberId id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second.get();
}

bool PeerTransport::connected(zab::MemberId id) const {
  auto it = peers_.find(id);
  return it != peers_.end() && it->second->open != nullptr;
}

std::string PeerTransport::HelloFrame() const {
  return EncodeFrame(
      EncodePeerMessage(peer::Hello{options_.cluster_id, options_.self, peer::kProtocolVersion}));
}

// --- dialing ------------------------------------------------------------------------------------

void PeerTransport::Dial(Peer& peer) {
  if (closing_ || peer.open != nullptr || peer.dialing != nullptr) return;
  sockaddr_storage addr{};
  Status s = Resolve(peer.address, &addr);
  if (!s.ok()) {
    LOG_ERROR << "member " << peer.id << ": " << s.message();
    ScheduleReconnect(peer);
    return;
  }
  auto* conn = new PeerConnection(this, next_connection_id_++, peer.id, options_.max_frame_bytes,
                                  uv_now(loop_));
  uv_tcp_init(loop_, conn->tcp());
  connections_.insert(conn);
  peer.dialing = conn;
  int rc = conn->Connect(reinterpret_cast<const sockaddr*>(&addr));
  if (rc != 0) conn->Close(std::string("connect failed: ") + uv_strerror(rc));
}

void PeerTransport::OnConnected(PeerConnection* conn) { conn->Write(HelloFrame()); }

void PeerTransport::ScheduleReconnect(Peer& peer) {
  if (closing_ || !peer.dial) return;
  uint64_t delay = options_.reconnect_min_ms << std::min<uint32_t>(peer.attempts, 30);
  delay = std::min(delay, options_.reconnect_max_ms);
  delay = delay / 2 + prng_.Uniform(delay / 2 + 1);
  ++peer.attempts;
  uv_timer_start(&peer.timer, &OnReconnectTimer, delay, 0);
}

void PeerTransport::OnReconnectTimer(uv_timer_t* timer) {
  auto* peer = static_cast<Peer*>(timer->data);
  peer->owner->Dial(*peer);
}

// --- accepting ----------------------------------------------------------------------------------

void PeerTransport::OnAccept(uv_stream_t* server, int status) {
  auto* self = static_cast<PeerTransport*>(server->data);
  if (status < 0 || self->closing_) return;
  auto* conn = new PeerConnection(self, self->next_connection_id_++, 0,
                                  self->options_.max_frame_bytes, uv_now(self->loop_));
  uv_tcp_init(self->loop_, conn->tcp());
  self->connections_.insert(conn);
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(conn->tcp())) != 0) {
    conn->Close("accept failed");
    return;
  }
  size_t pending = 0;
  for (PeerConnection* c : self->connections_) pending += !c->established() && !c->outbound();
  conn->Start();
  if (pending > self->options_.max_pending_connections) {
    conn->Close("too many connections awaiting their handshake");
  }
}

void PeerTransport::OnSweepTimer(uv_timer_t* timer) {
  auto* self = static_cast<PeerTransport*>(timer->data);
  uint64_t now = uv_now(self->loop_);
  std::vector<PeerConnection*> late;
  for (PeerConnection* c : self->connections_) {
    if (!c->established() && !c->closing() &&
        now - c->created_ms() > self->options_.handshake_timeout_ms) {
      late.push_back(c);
    }
  }
  for (PeerConnection* c : late) c->Close("no handshake within the timeout");
}

// --- frames -------------------------------------------------------------------------------------

void PeerTransport::OnMalformed(PeerConnection* conn, const std::string& reason) {
  ++stats_.malformed;
  LOG_WARN << "peer connection " << conn->id() << " from " << conn->remote() << " (member "
           << conn->peer_id() << "): " << reason;
  conn->Close(reason);
}

void PeerTransport::OnFrame(PeerConnection* conn, std::string_view payload) {
  Result<peer::Message> wire = DecodePeerMessage(payload);
  if (!wire.ok()) {
    OnMalformed(conn, "undecodable message: " + wire.status().ToString());
    return;
  }
  if (!conn->established()) {
    const auto* hello = std::get_if<peer::Hello>(&*wire);
    if (hello == nullptr) {
      Refuse(conn, std::string("first message is ") + PeerMessageName(*wire) + ", not Hello");
      return;
    }
    OnHello(conn, *hello);
    return;
  }
  if (IsMemberMessage(*wire)) {
    Result<MemberMessage> member = MemberFromWire(std::move(wire).value());
    if (!member.ok()) {
      OnMalformed(conn, member.status().ToString());
      return;
    }
    if (callbacks_.on_member_message) {
      callbacks_.on_member_message(conn->peer_id(), std::move(member).value());
    }
    return;
  }
  Result<zab::Message> message = FromWire(std::move(wire).value());
  if (!message.ok()) {
    OnMalformed(conn, message.status().ToString());
    return;
  }
  if (callbacks_.on_message) callbacks_.on_message(conn->peer_id(), std::move(message).value());
}

void PeerTransport::Refuse(PeerConnection* conn, const std::string& why) {
  ++stats_.refused_handshakes;
  LOG_WARN << "member " << options_.self << " refused peer connection " << conn->id() << " ("
           << conn->remote() << "): " << why;
  conn->Close("refused: " + why);
}

void PeerTransport::OnHello(PeerConnection* conn, const peer::Hello& hello) {
  std::string who = "member " + std::to_string(hello.member_id);
  if (hello.protocol_version != peer::kProtocolVersion) {
    return Refuse(conn, who + " speaks peer protocol " + std::to_string(hello.protocol_version) +
                            ", not " + std::to_string(peer::kProtocolVersion));
  }
  if (hello.cluster_id != options_.cluster_id) {
    return Refuse(
        conn, who + " is in cluster '" + hello.cluster_id + "', not '" + options_.cluster_id + "'");
  }
  Peer* peer = Find(hello.member_id);
  if (peer == nullptr) return Refuse(conn, who + " is not a configured member");
  if (conn->outbound() && hello.member_id != conn->expected_peer()) {
    return Refuse(conn, who + " answered where member " + std::to_string(conn->expected_peer()) +
                            " was dialed");
  }
  if (!conn->outbound() && peer->dial) {
    return Refuse(conn,
                  who + " dialed, but the lower id (" + std::to_string(options_.self) + ") dials");
  }
  if (!conn->outbound()) conn->Write(HelloFrame());
  Establish(conn, *peer);
}

void PeerTransport::Establish(PeerConnection* conn, Peer& peer) {
  if (peer.dialing == conn) peer.dialing = nullptr;
  if (peer.open != nullptr) {
    // The peer restarted while its old connection looked alive here: the newer one wins.
    PeerConnection* old = peer.open;
    peer.open = nullptr;
    old->Close("replaced by a newer connection from the same member");
  }
  conn->set_peer_id(peer.id);
  peer.open = conn;
  peer.attempts = 0;
  LOG_INFO << "member " << options_.self << " connected to member " << peer.id << " ("
           << conn->remote() << ")";
  if (callbacks_.on_connected) callbacks_.on_connected(peer.id);
  while (!peer.queue.empty() && peer.open == conn) {
    std::string frame = std::move(peer.queue.front());
    peer.queue.pop_front();
    SendFrame(peer, std::move(frame));
  }
}

// --- sending ------------------------------------------------------------------------------------

void PeerTransport::Send(zab::MemberId to, const zab::Message& message) {
  SendWire(to, ToWire(message));
}

void PeerTransport::Send(zab::MemberId to, const MemberMessage& message) {
  SendWire(to, ToWire(message));
}

void PeerTransport::SendWire(zab::MemberId to, const peer::Message& message) {
  Peer* peer = Find(to);
  CHECK(peer != nullptr) << "send to unknown member " << to;
  if (closing_) return;
  std::string payload = EncodePeerMessage(message);
  if (payload.size() > options_.max_frame_bytes) {
    LOG_ERROR << "dropped " << PeerMessageName(message) << " to member " << to << ": "
              << payload.size() << " bytes exceed max_frame_bytes";
    ++stats_.dropped_messages;
    return;
  }
  SendFrame(*peer, EncodeFrame(payload));
}

void PeerTransport::SendFrame(Peer& peer, std::string frame) {
  if (peer.open == nullptr) {
    peer.queue.push_back(std::move(frame));
    if (peer.queue.size() > options_.max_queued_messages) {
      peer.queue.pop_front();
      ++stats_.dropped_messages;
    }
    return;
  }
  peer.open->Write(std::move(frame));
  if (peer.open != nullptr && peer.open->unsent_bytes() > options_.max_unsent_bytes) {
    ++stats_.overflow_disconnects;
    peer.open->Close("member is not reading: " + std::to_string(peer.open->unsent_bytes()) +
                     " bytes unsent");
  }
}

// --- closing ------------------------------------------------------------------------------------

void PeerTransport::OnClosing(PeerConnection* conn, const std::string& reason) {
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), conn), dirty_.end());
  for (auto& [id, peer] : peers_) {
    if (peer->dialing == conn) {
      peer->dialing = nullptr;
      LOG_DEBUG << "member " << options_.self << " dial to member " << id << ": " << reason;
      ScheduleReconnect(*peer);
    }
    if (peer->open == conn) {
      peer->open = nullptr;
      LOG_INFO << "member " << options_.self << " lost member " << id << ": " << reason;
      if (!closing_ && callbacks_.on_disconnected) callbacks_.on_disconnected(id);
      ScheduleReconnect(*peer);
    }
  }
}

void PeerTransport::OnFreed(PeerConnection* conn) { connections_.erase(conn); }

void PeerTransport::OnReadDone() {
  if (!closing_ && callbacks_.on_read_done) callbacks_.on_read_done();
}

// --- coalesced writes ---------------------------------------------------------------------------

void PeerTransport::MarkDirty(PeerConnection* conn) {
  dirty_.push_back(conn);
  if (flush_scheduled_ || closing_) return;
  flush_scheduled_ = true;
  uv_check_start(&flush_check_, &PeerTransport::OnFlushCheck);
  uv_idle_start(&flush_idle_, [](uv_idle_t*) {});
}

void PeerTransport::OnFlushCheck(uv_check_t* check) {
  static_cast<PeerTransport*>(check->data)->Flush();
}

void PeerTransport::Flush() {
  // Flush may close a connection (write error), which removes it from dirty_: work on a copy.
  std::vector<PeerConnection*> dirty;
  dirty.swap(dirty_);
  for (PeerConnection* conn : dirty) conn->Flush();
  if (flush_scheduled_ && dirty_.empty()) {
    flush_scheduled_ = false;
    uv_check_stop(&flush_check_);
    uv_idle_stop(&flush_idle_);
  }
}

void PeerTransport::Close() {
  if (closing_) return;
  closing_ = true;
  std::vector<PeerConnection*> all(connections_.begin(), connections_.end());
  for (PeerConnection* c : all) c->Close("transport closing");
  for (auto& [id, peer] : peers_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&peer->timer),
             [](uv_handle_t* h) { --static_cast<Peer*>(h->data)->owner->open_handles_; });
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&sweep_timer_),
           [](uv_handle_t* h) { --static_cast<PeerTransport*>(h->data)->open_handles_; });
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_check_),
           [](uv_handle_t* h) { --static_cast<PeerTransport*>(h->data)->open_handles_; });
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_idle_),
           [](uv_handle_t* h) { --static_cast<PeerTransport*>(h->data)->open_handles_; });
  if (listening_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_),
             [](uv_handle_t* h) { --static_cast<PeerTransport*>(h->data)->open_handles_; });
  }
}

}  // namespace coord::server
