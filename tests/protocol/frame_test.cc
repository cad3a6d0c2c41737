#include "protocol/frame.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "coord/base/prng.h"

namespace coord {
namespace {

// Drains every complete frame; fails the test on an error.
std::vector<std::string> Drain(FrameParser& parser) {
  std::vector<std::string> frames;
  while (true) {
    Result<std::optional<std::string>> next = parser.Next();
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok() || !next->has_value()) return frames;
    frames.push_back(std::move(**next));
  }
}

std::string Header(uint32_t length) {
  return std::string{static_cast<char>(length >> 24), static_cast<char>(length >> 16),
                     static_cast<char>(length >> 8), static_cast<char>(length)};
}

std::string Payload(size_t size, uint64_t seed) {
  Prng prng(seed);
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>(prng.Next());
  return s;
}

TEST(FrameTest, EncodesALengthInBigEndianThenThePayload) {
  EXPECT_EQ(EncodeFrame("abc"), std::string("\0\0\0\3abc", 7));
  const std::string payload(0x01022c, 'p');
  const std::string frame = EncodeFrame(payload);
  EXPECT_EQ(frame.substr(0, 4), std::string("\x00\x01\x02\x2c", 4));
  EXPECT_EQ(frame.substr(4), payload);
  std::string out = "x";
  AppendFrame(&out, std::string("\0", 1));
  AppendFrame(&out, "yz");
  EXPECT_EQ(out, std::string("x\0\0\0\1\0\0\0\0\2yz", 12));
}

TEST(FrameTest, SplitAtEveryByteBoundary) {
  const std::vector<std::string> payloads = {Payload(1, 1), std::string("\0\0\0\0", 4),
                                             Payload(300, 2), Payload(1000, 3)};
  std::string stream;
  for (const std::string& p : payloads) AppendFrame(&stream, p);
  for (size_t split = 0; split <= stream.size(); ++split) {
    FrameParser parser(2000);
    parser.Feed(std::string_view(stream).substr(0, split));
    std::vector<std::string> frames = Drain(parser);
    parser.Feed(std::string_view(stream).substr(split));
    for (std::string& f : Drain(parser)) frames.push_back(std::move(f));
    ASSERT_EQ(frames, payloads) << "split at " << split;
    EXPECT_EQ(parser.buffered_bytes(), 0u);
  }
}

TEST(FrameTest, OneByteAtATime) {
  const std::vector<std::string> payloads = {Payload(17, 4), Payload(256, 5), Payload(3, 6)};
  std::string stream;
  for (const std::string& p : payloads) AppendFrame(&stream, p);
  FrameParser parser(1000);
  std::vector<std::string> frames;
  for (char c : stream) {
    parser.Feed(std::string_view(&c, 1));
    for (std::string& f : Drain(parser)) frames.push_back(std::move(f));
  }
  EXPECT_EQ(frames, payloads);
}

TEST(FrameTest, ManyFramesInOneFeed) {
  std::string stream;
  constexpr int kFrames = 200000;
  for (int i = 0; i < kFrames; ++i) AppendFrame(&stream, "frame" + std::to_string(i));
  FrameParser parser;
  parser.Feed(stream);
  std::vector<std::string> frames = Drain(parser);
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames));
  for (int i = 0; i < kFrames; i += 9973) EXPECT_EQ(frames[i], "frame" + std::to_string(i));
  EXPECT_EQ(frames.back(), "frame" + std::to_string(kFrames - 1));
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

TEST(FrameTest, RandomChunksAndInterleavedNext) {
  Prng prng(99);
  std::vector<std::string> payloads;
  std::string stream;
  for (int i = 0; i < 2000; ++i) {
    payloads.push_back(Payload(1 + prng.Uniform(prng.Chance(1, 20) ? 5000 : 64), i));
    AppendFrame(&stream, payloads.back());
  }
  FrameParser parser(5000);
  std::vector<std::string> frames;
  size_t fed = 0;
  while (fed < stream.size()) {
    const size_t n = std::min<size_t>(stream.size() - fed, prng.Uniform(3000));
    parser.Feed(std::string_view(stream).substr(fed, n));
    fed += n;
    // Sometimes take only some of the frames before feeding more.
    const int takes = prng.Chance(1, 3) ? static_cast<int>(prng.Uniform(3)) : 1 << 30;
    for (int t = 0; t < takes; ++t) {
      Result<std::optional<std::string>> next = parser.Next();
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      if (!next->has_value()) break;
      frames.push_back(std::move(**next));
    }
  }
  for (std::string& f : Drain(parser)) frames.push_back(std::move(f));
  EXPECT_EQ(frames, payloads);
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

TEST(FrameTest, ZeroLengthIsAMarshallingError) {
  FrameParser parser;
  parser.Feed(EncodeFrame("ok") + Header(0) + EncodeFrame("never"));
  Result<std::optional<std::string>> first = parser.Next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(**first, "ok");
  Result<std::optional<std::string>> second = parser.Next();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.code(), Code::kMarshallingError);
  EXPECT_NE(second.status().message().find("zero-length"), std::string::npos);
  // Sticky: the stream cannot be resynchronised.
  EXPECT_EQ(parser.Next().status(), second.status());
}

TEST(FrameTest, NegativeLookingLengthIsTooLarge) {
  FrameParser parser;
  parser.Feed(std::string("\xff\xff\xff", 3));
  Result<std::optional<std::string>> next = parser.Next();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value()) << "three header bytes are not enough to judge";
  parser.Feed(std::string("\xff", 1));
  next = parser.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.code(), Code::kTooLarge);
  EXPECT_NE(next.status().message().find("4294967295"), std::string::npos)
      << next.status().message();
}

TEST(FrameTest, OversizeIsDetectedFromTheHeaderAlone) {
  FrameParser parser(100);
  parser.Feed(Header(101));  // no payload byte has arrived
  Result<std::optional<std::string>> next = parser.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.code(), Code::kTooLarge);
  EXPECT_EQ(next.status().message(), "frame of 101 bytes exceeds the maximum of 100");
  // The payload that follows is dropped, not buffered.
  parser.Feed(std::string(101, 'x'));
  EXPECT_EQ(parser.buffered_bytes(), 4u);
  EXPECT_EQ(parser.Next().code(), Code::kTooLarge);
}

TEST(FrameTest, ExactlyTheMaximumIsAccepted) {
  FrameParser parser(100);
  const std::string payload = Payload(100, 7);
  parser.Feed(EncodeFrame(payload));
  EXPECT_EQ(Drain(parser), std::vector<std::string>{payload});

  FrameParser defaults;
  EXPECT_EQ(defaults.max_frame_bytes(), kDefaultMaxFrameBytes);
  const std::string big(kDefaultMaxFrameBytes, 'b');
  defaults.Feed(EncodeFrame(big));
  std::vector<std::string> frames = Drain(defaults);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].size(), kDefaultMaxFrameBytes);
  defaults.Feed(Header(kDefaultMaxFrameBytes + 1));
  EXPECT_EQ(defaults.Next().code(), Code::kTooLarge);
}

TEST(FrameTest, InterleavedFeedAndNext) {
  FrameParser parser(64);
  const std::string a = EncodeFrame("first");
  const std::string b = EncodeFrame("second");
  auto next_is_empty = [&] {
    Result<std::optional<std::string>> next = parser.Next();
    return next.ok() && !next->has_value();
  };
  EXPECT_TRUE(next_is_empty());  // nothing fed yet
  parser.Feed(a.substr(0, 2));
  EXPECT_TRUE(next_is_empty());  // half a header
  parser.Feed(a.substr(2, 2));
  EXPECT_TRUE(next_is_empty());  // a header, no payload
  EXPECT_EQ(parser.buffered_bytes(), 4u);
  parser.Feed(a.substr(4) + b.substr(0, 6));
  Result<std::optional<std::string>> next = parser.Next();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(**next, "first");
  EXPECT_TRUE(next_is_empty());
  EXPECT_EQ(parser.buffered_bytes(), 6u);
  parser.Feed("");
  EXPECT_TRUE(next_is_empty());
  parser.Feed(b.substr(6));
  next = parser.Next();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(**next, "second");
  EXPECT_TRUE(next_is_empty());
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

}  // namespace
}  // namespace coord
