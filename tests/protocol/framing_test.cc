#include "protocol/framing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/common/vectors.h"

namespace rcas::protocol {
namespace {

using rcas::testing::Hex;

// Every complete message of messages.json, in file order.
std::vector<Bytes> VectorMessages() {
  std::vector<Bytes> out;
  const nlohmann::json file =
      rcas::testing::LoadJson("vectors/messages.json");  // outlives the loop
  for (const auto& c : file["cases"]) {
    if (c["expected"].contains("message")) {
      out.push_back(Hex(c["expected"]["message"]));
    }
  }
  return out;
}

TEST(Framing, EveryVectorMessageIsOneValidDatagram) {
  const auto messages = VectorMessages();
  ASSERT_GE(messages.size(), 20u);
  for (const Bytes& m : messages) {
    Header h;
    EXPECT_EQ(CheckUdpDatagram(m, &h), FrameError::kOk) << ToHex(ByteView(m).first(16));
    EXPECT_EQ(h.message_len(), m.size());
  }
}

TEST(Framing, DatagramOneOctetLongerOrShorterIsDropped) {
  Bytes m = VectorMessages()[0];
  Header h;
  m.push_back(0);
  EXPECT_EQ(CheckUdpDatagram(m, &h), FrameError::kLengthMismatch);
  m.resize(m.size() - 2);
  EXPECT_EQ(CheckUdpDatagram(m, &h), FrameError::kLengthMismatch);
}

TEST(Framing, DatagramHeaderErrorIsReported) {
  Bytes m = VectorMessages()[0];
  m[14] = 2;
  Header h;
  HeaderError he = HeaderError::kOk;
  EXPECT_EQ(CheckUdpDatagram(m, &h, &he), FrameError::kBadHeader);
  EXPECT_EQ(he, HeaderError::kBadVersion);
}

TEST(Framing, UdpCapIs65507ButTcpTakesLargerMessages) {
  // A plaintext CAMReg of length 65500: 65520 on the wire, over the UDP cap.
  Bytes m(65500 + kMacLen, 0);
  WriteHeader(MakeHeader(MessageType::kCamReg, 65500 - kHeaderLen, 1), m.data());
  Header h;
  EXPECT_EQ(CheckUdpDatagram(m, &h), FrameError::kTooLarge);
  EXPECT_EQ(CheckFramedMessage(m, &h), FrameError::kOk);
  const TcpFrame f = NextTcpFrame(m);
  EXPECT_EQ(f.kind, TcpFrame::Kind::kMessage);
  EXPECT_EQ(f.size, m.size());
}

TEST(Framing, TcpNeedsHeaderThenWholeMessage) {
  const Bytes m = VectorMessages()[0];
  TcpFrame f = NextTcpFrame(ByteView(m).first(5));
  EXPECT_EQ(f.kind, TcpFrame::Kind::kNeedMore);
  EXPECT_EQ(f.size, kHeaderLen);
  f = NextTcpFrame(ByteView(m).first(16));
  EXPECT_EQ(f.kind, TcpFrame::Kind::kNeedMore);
  EXPECT_EQ(f.size, m.size());
  f = NextTcpFrame(ByteView(m).first(m.size() - 1));
  EXPECT_EQ(f.kind, TcpFrame::Kind::kNeedMore);
  f = NextTcpFrame(m);
  EXPECT_EQ(f.kind, TcpFrame::Kind::kMessage);
  EXPECT_EQ(f.size, m.size());
  EXPECT_EQ(f.header.type, MessageType::kRcasAnnounce);
}

TEST(Framing, TcpSplitsBackToBackMessagesFedOctetByOctet) {
  const auto messages = VectorMessages();
  Bytes stream;
  for (const Bytes& m : messages) {
    Append(stream, m);
  }
  // Deliver one octet at a time into a bounded receive buffer.
  Bytes buffer;
  size_t next = 0;
  for (uint8_t octet : stream) {
    buffer.push_back(octet);
    for (;;) {
      const TcpFrame f = NextTcpFrame(buffer);
      ASSERT_NE(f.kind, TcpFrame::Kind::kClose);
      if (f.kind == TcpFrame::Kind::kNeedMore) {
        EXPECT_GT(f.size, buffer.size());
        break;
      }
      ASSERT_LT(next, messages.size());
      EXPECT_EQ(Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(f.size)),
                messages[next]);
      ++next;
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(f.size));
    }
  }
  EXPECT_EQ(next, messages.size());
  EXPECT_TRUE(buffer.empty());
}

TEST(Framing, TcpBadHeaderClosesWithReason) {
  Bytes m = VectorMessages()[0];
  StoreBe16(m.data(), 0x000F);
  const TcpFrame f = NextTcpFrame(m);
  EXPECT_EQ(f.kind, TcpFrame::Kind::kClose);
  EXPECT_EQ(f.header_error, HeaderError::kUnknownType);
}

}  // namespace
}  // namespace rcas::protocol
