#include "coord/server/zookeeper_wire.h"

#include <algorithm>
#include <array>

#include "coord/base/logging.h"

namespace coord::server {

bool IsZooKeeperFourLetterWord(std::string_view word) {
  static constexpr std::array<std::string_view, 18> kWords = {
      "conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "hash", "isro",
      "mntr", "ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp", "wchs"};
  return std::find(kWords.begin(), kWords.end(), word) != kWords.end();
}

ZooKeeperWire::ZooKeeperWire(size_t max_frame_bytes, size_t max_held)
    : parser_(max_frame_bytes), max_held_(max_held) {}

Status ZooKeeperWire::Feed(std::string_view bytes, Sink& sink) {
  if (stopped_) return Status::Ok();
  if (!sniffed_) {
    // ZooKeeper reads the first 4 bytes as a length and takes a known word for a command.
    const size_t take = std::min(bytes.size(), kFrameHeaderBytes - head_.size());
    head_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (head_.size() < kFrameHeaderBytes) return Status::Ok();
    sniffed_ = true;
    if (IsZooKeeperFourLetterWord(head_)) {
      stopped_ = true;
      sink.FourLetterWord(head_);
      return Status::Ok();
    }
    parser_.Feed(head_);
  }
  parser_.Feed(bytes);
  while (!stopped_) {
    Result<std::optional<std::string>> packet = parser_.Next();
    if (!packet.ok()) return Status(packet.code(), "bad packet: " + packet.status().ToString());
    if (!packet->has_value()) return Status::Ok();
    Status s = HandlePacket(**packet, sink);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status ZooKeeperWire::HandlePacket(std::string_view payload, Sink& sink) {
  if (!connect_seen_) {
    Result<zk::Connect> connect = zk::DecodeConnect(payload);
    if (!connect.ok()) return Status(connect.code(), "bad connect: " + connect.status().ToString());
    connect_seen_ = true;
    if (!sink.Deliver(std::move(connect->request))) stopped_ = true;
    return Status::Ok();
  }
  Result<zk::Request> request = zk::DecodeRequest(payload);
  if (!request.ok()) return Status(request.code(), "bad request: " + request.status().ToString());
  if (!session_ready_) {
    if (held_.size() >= max_held_) {
      return Status(Code::kThrottled, "more than " + std::to_string(max_held_) +
                                          " requests before the session was established");
    }
    held_.push_back(std::move(request).value());
    return Status::Ok();
  }
  if (!Forward(std::move(request).value(), sink)) stopped_ = true;
  return Status::Ok();
}

bool ZooKeeperWire::Forward(zk::Request request, Sink& sink) {
  if (!request.op) {
    LOG_DEBUG << "zookeeper request xid " << request.shape.xid << " opcode " << request.shape.opcode
              << " refused: " << request.reason;
    std::string reply;
    AppendFrame(&reply, zk::EncodeErrorReply(request.shape.xid, last_zxid_, request.error));
    if (in_flight_.empty()) {
      sink.Write(reply);
    } else {
      in_flight_.back().then += reply;
    }
    return true;
  }
  const int32_t xid = request.shape.xid;
  in_flight_.push_back(InFlight{std::move(request.shape), {}});
  return sink.Deliver(ClientRequest{xid, std::move(*request.op)});
}

void ZooKeeperWire::Release(Sink& sink) {
  if (!session_ready_) return;
  while (!held_.empty() && !stopped_) {
    zk::Request request = std::move(held_.front());
    held_.pop_front();
    if (!Forward(std::move(request), sink)) stopped_ = true;
  }
}

bool ZooKeeperWire::Encode(const ServerMessage& message, std::string* out) {
  if (const auto* connect = std::get_if<ConnectResponse>(&message)) {
    if (connect->code == Code::kOk) {
      session_ready_ = true;
      last_zxid_ = std::max(last_zxid_, connect->last_zxid);
    } else if (connect->code != Code::kSessionExpired && connect->code != Code::kAuthFailed) {
      // ZooKeeper answers no connect it refuses for another reason (a member that is not
      // serving, a client ahead of the server): it closes, and the client tries elsewhere.
      return true;
    }
    AppendFrame(out, zk::EncodeConnectResponse(*connect));
    return true;
  }
  if (const auto* event = std::get_if<WatchEventMessage>(&message)) {
    AppendFrame(out, zk::EncodeWatchEvent(*event));
    return true;
  }
  const auto& response = std::get<ClientResponse>(message);
  last_zxid_ = std::max(last_zxid_, response.zxid);
  if (in_flight_.empty() || in_flight_.front().shape.xid != response.id) {
    // A reply to a request of this session's previous connection: its client has given up on
    // it (ZooKeeper's clients fail every outstanding request when a connection is lost).
    LOG_DEBUG << "dropping a reply to xid " << response.id << " asked on an earlier connection";
    return true;
  }
  InFlight done = std::move(in_flight_.front());
  in_flight_.pop_front();
  AppendFrame(out, zk::EncodeReply(done.shape, response));
  out->append(done.then);
  // ZooKeeper closes the connection after a failed auth; the client reports AuthFailed.
  return !(done.shape.opcode == zk::op::kAuth && response.code != Code::kOk);
}

}  // namespace coord::server
