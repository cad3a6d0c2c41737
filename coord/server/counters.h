// Counters: packets and request latencies, per connection and for the whole server — the
// figures behind the four-letter words srvr, stat, mntr and cons.
//
// Latency is from the moment a request is handed to the server until its reply is queued for
// the client, in loop milliseconds. Threading: loop thread only.
#pragma once

#include <cstdint>

namespace coord::server {

struct Counters {
  uint64_t packets_received = 0;
  uint64_t packets_sent = 0;
  uint64_t answered = 0;  // requests whose latency was counted
  int64_t min_latency_ms = 0;
  int64_t max_latency_ms = 0;
  int64_t total_latency_ms = 0;

  void Answered(int64_t latency_ms) {
    if (answered == 0 || latency_ms < min_latency_ms) min_latency_ms = latency_ms;
    if (latency_ms > max_latency_ms) max_latency_ms = latency_ms;
    total_latency_ms += latency_ms;
    ++answered;
  }
  double avg_latency_ms() const {
    return answered == 0 ? 0.0 : static_cast<double>(total_latency_ms) / answered;
  }
  // srst / a fresh start.
  void ResetLatency() { answered = min_latency_ms = max_latency_ms = total_latency_ms = 0; }
};

}  // namespace coord::server
