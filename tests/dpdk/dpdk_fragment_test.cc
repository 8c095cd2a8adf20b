// PROFILE §5.4 accepts IP fragmentation: the worker cuts answers longer than the MTU and makes
// fragmented datagrams from CAMs whole before the keyed stage sees them.

#include <gtest/gtest.h>

#include "dataplane/ip_fragment.h"
#include "dataplane/ip_reassembly.h"
#include "protocol/header.h"
#include "protocol/message_type.h"
#include "tests/dpdk/dpdk_fixture.h"

namespace rcas::dataplane::testing {
namespace {

Bytes Message(protocol::MessageType type, size_t content_len) {
  Bytes m(protocol::kHeaderLen + content_len + protocol::TrailerLen(type));
  for (size_t i = 0; i < m.size(); ++i) {
    m[i] = static_cast<uint8_t>(i * 7);
  }
  protocol::WriteHeader(protocol::MakeHeader(type, content_len, 3), m.data());
  return m;
}

// Whole reassembles `frames` (fragments of one datagram) with a Reassembler of the test's own.
Bytes Whole(const std::vector<Bytes>& frames) {
  Reassembler r(ReassemblyConfig{.slots = 4, .max_datagram = 16384});
  for (const Bytes& f : frames) {
    FrameView v;
    const FrameVerdict verdict = ParseFrame(f, &v);
    EXPECT_TRUE(verdict == FrameVerdict::kIpv4Fragment || verdict == FrameVerdict::kIpv6Fragment);
    const ReassemblyResult res = r.Add(f, v, 1);
    if (res.verdict == ReassemblyVerdict::kComplete) {
      return Bytes(res.frame.begin(), res.frame.end());
    }
  }
  return {};
}

void ExpectAnswerFragmented(DpdkPortTest& t, bool v6, size_t content_len) {
  t.Inject(t.UdpFrame(Message(protocol::MessageType::kKeyRequest, 64), v6));
  t.Turn();
  const auto got = t.Messages();
  ASSERT_EQ(got.size(), 1u);
  const Bytes answer = Message(protocol::MessageType::kKeyResponse, content_len);
  ASSERT_TRUE(t.transport_->Send({got[0].peer, answer}));
  t.Turn();
  const auto sent = t.Sent();
  ASSERT_GT(sent.size(), 1u);
  for (const Bytes& f : sent) {
    EXPECT_LE(f.size(), 14u + 1500u) << "within the MTU";
  }
  const Bytes whole = Whole(sent);
  FrameView v;
  ASSERT_EQ(ParseFrame(whole, &v), FrameVerdict::kUdp) << "UDP checksum over the whole datagram";
  const ByteView payload = ByteView(whole).subspan(v.payload_offset, v.payload_len);
  EXPECT_TRUE(std::equal(answer.begin(), answer.end(), payload.begin(), payload.end()));
  EXPECT_EQ(t.transport_->stats()[DpdkCounter::kTxFragments], sent.size());
}

TEST_F(DpdkPortTest, AnswerLongerThanTheMtuLeavesAsIpv4Fragments) {
  ExpectAnswerFragmented(*this, false, 1700);  // a KeyResponse with the CASS certificate
}

TEST_F(DpdkPortTest, AnswerLongerThanAnMbufLeavesAsIpv6Fragments) {
  ExpectAnswerFragmented(*this, true, 6000);  // past 2 KiB: the big pool
}

TEST_F(DpdkPortTest, FragmentedDatagramReachesControlWhole) {
  for (bool v6 : {false, true}) {
    const Bytes msg = Message(protocol::MessageType::kKeyRegRequest, 3000);
    const Bytes frame = UdpFrame(msg, v6);
    const size_t n = FragmentCount(frame.size(), v6, false, 1500);
    ASSERT_GT(n, 1u);
    for (size_t i = n; i-- > 0;) {  // last first: order does not matter
      Bytes f(1600);
      f.resize(WriteFragment(MutableByteView(f), frame, v6, false, 1500, i, 77));
      ASSERT_GT(f.size(), 0u);
      Inject(f);
    }
    Turn();
    const auto got = Messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(std::equal(msg.begin(), msg.end(), got[0].message.begin(), got[0].message.end()));
  }
  EXPECT_EQ(transport_->stats()[DpdkCounter::kRxReassembled], 2u);
}

TEST_F(DpdkPortTest, IncompleteDatagramNeverReachesControl) {
  const Bytes frame = UdpFrame(Message(protocol::MessageType::kKeyRequest, 3000));
  Bytes f(1600);
  f.resize(WriteFragment(MutableByteView(f), frame, false, false, 1500, 0, 5));
  Inject(f);
  Turn();
  EXPECT_TRUE(Messages().empty());
  EXPECT_EQ(transport_->stats()[ReassemblyVerdict::kPending], 1u);
}

}  // namespace
}  // namespace rcas::dataplane::testing
