// Wire: how one client connection turns bytes into ClientMessages and ServerMessages into bytes.
// coordd has two: the native protocol (NativeWire: FlatBuffers frames) and Apache ZooKeeper's
// client protocol (ZooKeeperWire: jute packets and four-letter words). A Connection owns one and
// is otherwise the same for both: limits, buffers, closing, counters.
//
// Threading: loop thread only; owned by its Connection.
#pragma once

#include <string>
#include <string_view>

#include "coord/base/status.h"
#include "protocol/client.h"

namespace coord::server {

class Wire {
 public:
  // Where Feed puts what it found, in the order it was found.
  class Sink {
   public:
    // A message for the server; returns false once the connection is closing (stop feeding).
    virtual bool Deliver(ClientMessage message) = 0;
    // Bytes to send as they are (a reply the wire makes itself).
    virtual void Write(std::string_view bytes) = 0;
    // A ZooKeeper four-letter word ("ruok"): answered, then the connection closes.
    virtual void FourLetterWord(std::string_view word) = 0;

   protected:
    ~Sink() = default;
  };

  virtual ~Wire() = default;

  // Bytes received. An error means the stream is malformed: the connection closes with its
  // message as the logged reason.
  virtual Status Feed(std::string_view bytes, Sink& sink) = 0;
  // Appends what the client receives for `message`. Returns false when the connection must close
  // once it is sent (ZooKeeper closes after a failed auth).
  virtual bool Encode(const ServerMessage& message, std::string* out) = 0;
  // Messages the wire held back and may now be delivered (ZooKeeper's clients send requests
  // before their session is established; they wait for the connect reply here). Called after
  // every Encode batch.
  virtual void Release(Sink& sink) { (void)sink; }
  virtual const char* name() const = 0;
};

}  // namespace coord::server
