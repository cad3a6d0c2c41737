// coord-pipeline-load: a simple pipelined client loop against a running coordd, speaking the
// protocol directly (one connection, a fixed window of requests in flight). It measures what the
// server sustains, not the client library; coordbench ([F]) is the full instrument.
//
//   coord-pipeline-load HOST:PORT [--op set|get|create] [--requests N] [--window W]
//                       [--value-bytes B]
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "protocol/client_codec.h"
#include "protocol/frame.h"

namespace coord {
namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "2281";
  std::string op = "set";
  int64_t requests = 100000;
  int64_t window = 64;
  size_t value_bytes = 1024;
};

int Connect(const Options& o) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(o.host.c_str(), o.port.c_str(), &hints, &res) != 0) return -1;
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) fd = -1;
  freeaddrinfo(res);
  int one = 1;
  if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads until at least one whole message is parsed; returns them.
std::vector<ServerMessage> ReadSome(int fd, FrameParser& parser) {
  std::vector<ServerMessage> out;
  char buf[1 << 16];
  while (out.empty()) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      std::fprintf(stderr, "connection closed\n");
      std::exit(1);
    }
    parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
    while (true) {
      auto frame = parser.Next();
      if (!frame.ok() || !frame->has_value()) break;
      auto message = DecodeServerMessage(**frame);
      if (message.ok()) out.push_back(std::move(message).value());
    }
  }
  return out;
}

ClientOp MakeOp(const Options& o, int64_t i, const std::string& value) {
  if (o.op == "get") return GetDataRequest{"/load/key-" + std::to_string(i % 1000), false};
  if (o.op == "create") {
    CreateRequest r;
    r.path = "/load/item-";
    r.sequential = true;
    r.data = value;
    return r;
  }
  return SetDataRequest{"/load/key-" + std::to_string(i % 1000), value, kAnyVersion};
}

int Run(const Options& o) {
  int fd = Connect(o);
  if (fd < 0) {
    std::fprintf(stderr, "cannot connect to %s:%s\n", o.host.c_str(), o.port.c_str());
    return 1;
  }
  FrameParser parser(64 << 20);
  std::string out;
  ConnectRequest connect;
  connect.timeout_ms = 30000;
  AppendFrame(&out, EncodeClientMessage(connect));
  SendAll(fd, out);
  ReadSome(fd, parser);
  // Setup: /load and 1,000 keys, pipelined.
  std::string value(o.value_bytes, 'v');
  out.clear();
  CreateRequest root;
  root.path = "/load";
  AppendFrame(&out, EncodeClientMessage(ClientRequest{1, root}));
  for (int i = 0; i < 1000; ++i) {
    CreateRequest key;
    key.path = "/load/key-" + std::to_string(i);
    key.data = value;
    AppendFrame(&out, EncodeClientMessage(ClientRequest{2 + i, key}));
  }
  SendAll(fd, out);
  for (int got = 0; got < 1001;) got += static_cast<int>(ReadSome(fd, parser).size());

  std::vector<std::chrono::steady_clock::time_point> sent_at(o.requests);
  std::vector<double> latency_us;
  latency_us.reserve(o.requests);
  int64_t next = 0, done = 0, errors = 0;
  auto start = std::chrono::steady_clock::now();
  while (done < o.requests) {
    out.clear();
    while (next < o.requests && next - done < o.window) {
      sent_at[next] = std::chrono::steady_clock::now();
      AppendFrame(&out, EncodeClientMessage(ClientRequest{10000 + next, MakeOp(o, next, value)}));
      ++next;
    }
    if (!out.empty()) SendAll(fd, out);
    for (ServerMessage& m : ReadSome(fd, parser)) {
      auto* r = std::get_if<ClientResponse>(&m);
      if (r == nullptr) continue;
      int64_t i = r->id - 10000;
      if (i < 0 || i >= o.requests) continue;
      if (r->code != Code::kOk) ++errors;
      latency_us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - sent_at[i])
              .count());
      ++done;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(latency_us.begin(), latency_us.end());
  auto pct = [&](double p) { return latency_us[static_cast<size_t>(p * (latency_us.size() - 1))]; };
  std::printf(
      "%s x %lld, window %lld, %zu-byte values: %.0f ops/s, p50 %.0f us, p99 %.0f us, "
      "max %.0f us, %lld errors\n",
      o.op.c_str(), static_cast<long long>(o.requests), static_cast<long long>(o.window),
      o.value_bytes, static_cast<double>(o.requests) / seconds, pct(0.5), pct(0.99),
      latency_us.back(), static_cast<long long>(errors));
  close(fd);
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace coord

int main(int argc, char** argv) {
  coord::Options o;
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: coord-pipeline-load HOST:PORT [--op set|get|create] [--requests N] "
                 "[--window W] [--value-bytes B]\n");
    return 2;
  }
  std::string address = argv[1];
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return 2;
  o.host = address.substr(0, colon);
  o.port = address.substr(colon + 1);
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--op")
      o.op = value;
    else if (flag == "--requests")
      o.requests = std::atoll(value.c_str());
    else if (flag == "--window")
      o.window = std::atoll(value.c_str());
    else if (flag == "--value-bytes")
      o.value_bytes = std::strtoull(value.c_str(), nullptr, 10);
    else
      return 2;
  }
  return coord::Run(o);
}
