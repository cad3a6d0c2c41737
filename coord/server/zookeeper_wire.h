// ZooKeeperWire: Apache ZooKeeper's client protocol on a connection (protocol/zookeeper_codec.h),
// so that ZooKeeper's own clients talk to coord unchanged. See wire.h.
//
// Per connection it keeps what ZooKeeper's replies need and a ClientResponse lacks: each
// request's xid and opcode, in order (replies come in request order, so a FIFO suffices). A
// request coord cannot serve (reconfig, SASL, an unknown opcode, bad create flags) is answered
// by the wire itself with ZooKeeper's error, in its place among the other replies.
//
// ZooKeeper's clients send their first requests (auth, setWatches) right behind the connect,
// without waiting for its reply; the server needs the session first, so those requests are held
// here (at most max_held) until the connect reply goes out, then released in order.
//
// The first four bytes of a connection may be a four-letter word ("ruok", "srvr", ...) instead
// of a packet length, as in ZooKeeper; the Sink answers it.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "coord/server/wire.h"
#include "protocol/frame.h"
#include "protocol/zookeeper_codec.h"

namespace coord::server {

// Every four-letter word ZooKeeper 3.8 knows; those coord answers are the allow-listable ones
// (config.h). A known word is never taken for a packet length.
bool IsZooKeeperFourLetterWord(std::string_view word);

class ZooKeeperWire final : public Wire {
 public:
  ZooKeeperWire(size_t max_frame_bytes, size_t max_held);

  Status Feed(std::string_view bytes, Sink& sink) override;
  bool Encode(const ServerMessage& message, std::string* out) override;
  void Release(Sink& sink) override;
  const char* name() const override { return "zookeeper"; }

 private:
  struct InFlight {
    zk::ReplyShape shape;
    std::string then;  // wire-made replies queued behind this request's
  };
  Status HandlePacket(std::string_view payload, Sink& sink);
  bool Forward(zk::Request request, Sink& sink);

  FrameParser parser_;
  size_t max_held_;
  std::string head_;            // the first bytes, until four are known
  bool sniffed_ = false;        // the first four bytes were not a four-letter word
  bool connect_seen_ = false;   // the first packet (the connect) was delivered
  bool session_ready_ = false;  // the connect reply went out: requests may pass
  bool stopped_ = false;        // a four-letter word was asked; nothing else is read
  std::deque<zk::Request> held_;
  std::deque<InFlight> in_flight_;
  Zxid last_zxid_ = 0;  // the latest zxid sent, for the header of wire-made replies
};

}  // namespace coord::server
