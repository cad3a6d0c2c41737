#include "clients/call_queue.h"

namespace coord::client {

void CallQueue::Push(Call call, int64_t deadline_ms) {
  Entry& e = entries_.emplace_back();
  e.call = std::move(call);
  e.deadline_ms = deadline_ms;
  ++tail_;
  ++unsent_;
}

void CallQueue::PushFailed(Call call, const Status& status) {
  Entry& e = entries_.emplace_back();
  e.call = std::move(call);
  e.state = State::kDone;
  e.response.code = status.code();
  e.response.message = status.message();
  ++tail_;
}

void CallQueue::Finish(Entry* entry, const Status& status) {
  if (entry->state == State::kUnsent) --unsent_;
  entry->state = State::kDone;
  entry->response = ClientResponse{};
  entry->response.id = entry->id;
  entry->response.code = status.code();
  entry->response.message = status.message();
}

std::vector<ClientRequest> CallQueue::TakeUnsent() {
  std::vector<ClientRequest> out;
  for (size_t i = TailStart(); i < entries_.size(); ++i) {
    Entry& e = entries_[i];
    if (e.state != State::kUnsent) continue;
    e.state = State::kSent;
    e.id = next_id_++;
    --unsent_;
    wire_.push_back(OnWire{e.id, Kind::kCall, &e});
    out.push_back(ClientRequest{e.id, std::move(e.call.op)});
  }
  tail_ = 0;
  return out;
}

ClientRequest CallQueue::MakeInternal(Kind kind, ClientOp op) {
  CHECK(kind != Kind::kCall);
  int64_t id = next_id_++;
  wire_.push_back(OnWire{id, kind, nullptr});
  return ClientRequest{id, std::move(op)};
}

Result<CallQueue::Replied> CallQueue::OnReply(ClientResponse response) {
  if (wire_.empty()) {
    return Status(Code::kMarshallingError,
                  "a reply with id " + std::to_string(response.id) + " to no request");
  }
  OnWire head = wire_.front();
  if (head.id != response.id) {
    return Status(Code::kMarshallingError, "a reply with id " + std::to_string(response.id) +
                                               " where " + std::to_string(head.id) +
                                               " was expected (replies come in order)");
  }
  wire_.pop_front();
  Replied out;
  out.kind = head.kind;
  if (head.kind != Kind::kCall) {
    // The client's own request: the caller reads the reply through a scratch copy.
    scratch_ = std::move(response);
    out.response = &scratch_;
    return out;
  }
  head.entry->state = State::kDone;
  head.entry->response = std::move(response);
  out.call = &head.entry->call;
  out.response = &head.entry->response;
  return out;
}

void CallQueue::OnLinkDown(const Status& status) {
  for (const OnWire& w : wire_) {
    if (w.kind == Kind::kCall) Finish(w.entry, status);
  }
  wire_.clear();
}

void CallQueue::ExpireUnsent(int64_t now_ms, const Status& status) {
  if (unsent_ == 0) return;
  for (size_t i = TailStart(); i < entries_.size(); ++i) {
    Entry& e = entries_[i];
    if (e.state != State::kUnsent) continue;
    if (e.deadline_ms > now_ms) break;  // deadlines grow with submission order
    Finish(&e, status);
  }
}

void CallQueue::FailAll(const Status& status) {
  for (Entry& e : entries_) {
    if (e.state != State::kDone) Finish(&e, status);
  }
  wire_.clear();
}

std::vector<CallQueue::Completed> CallQueue::TakeCompleted() {
  std::vector<Completed> out;
  while (!entries_.empty() && entries_.front().state == State::kDone) {
    Entry& e = entries_.front();
    out.push_back(Completed{std::move(e.call), std::move(e.response)});
    entries_.pop_front();
    if (tail_ > entries_.size()) tail_ = entries_.size();
  }
  return out;
}

std::optional<int64_t> CallQueue::NextDeadline() const {
  if (unsent_ == 0) return std::nullopt;
  for (size_t i = TailStart(); i < entries_.size(); ++i) {
    if (entries_[i].state == State::kUnsent) return entries_[i].deadline_ms;
  }
  return std::nullopt;
}

}  // namespace coord::client
