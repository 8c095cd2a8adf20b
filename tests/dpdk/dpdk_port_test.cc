// The DPDK transport on a net_ring port, in process: crafted frames in, the worker's frames and
// the control thread's messages out, for every RCAS message type, ARP / ICMP / ND, the drop
// reasons and the keyed burst path.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "crypto/random.h"
#include "protocol/content.h"
#include "protocol/header.h"
#include "protocol/message_type.h"
#include "protocol/protect.h"
#include "tests/dpdk/dpdk_fixture.h"
#include "tests/dpdk/dpdk_messages.h"

namespace rcas::dataplane::testing {
namespace {

using protocol::MessageType;

TEST_F(DpdkPortTest, FirstRequestsAndStatusReachControlRaw) {
  for (MessageType t :
       {MessageType::kKeyRequest, MessageType::kKeyRegRequest, MessageType::kStatus}) {
    const Bytes msg = Framed(t, 64);
    Inject(UdpFrame(msg));
    Turn();
    const auto got = Messages();
    ASSERT_EQ(got.size(), 1u) << "type " << static_cast<int>(t);
    EXPECT_FALSE(got[0].pre_opened);
    EXPECT_TRUE(std::equal(msg.begin(), msg.end(), got[0].message.begin(), got[0].message.end()));
    EXPECT_TRUE(got[0].peer == CamPeer());
  }
}

TEST_F(DpdkPortTest, KeyedTypesWithoutAFlowReachControlRaw) {
  for (MessageType t : {MessageType::kCamReg, MessageType::kRenewConfirm,
                        MessageType::kPurchaseReport, MessageType::kLogResponse}) {
    Inject(UdpFrame(Framed(t, 48)));
    Turn();
    const auto got = Messages();
    ASSERT_EQ(got.size(), 1u) << "type " << static_cast<int>(t);
    EXPECT_FALSE(got[0].pre_opened);
  }
  EXPECT_EQ(transport_->stats()[KeyedVerdict::kRaw], 4u);
}

TEST_F(DpdkPortTest, TypesACamNeverSendsAreDroppedInTheWorker) {
  for (MessageType t :
       {MessageType::kRcasAnnounce, MessageType::kRcasRenewal, MessageType::kKeyResponse,
        MessageType::kCamRegConfirm, MessageType::kRenewInfo, MessageType::kLogRequest,
        MessageType::kKeyRegResponse}) {
    Inject(UdpFrame(Framed(t, 48)));
  }
  Turn();
  EXPECT_TRUE(Messages().empty());
  EXPECT_EQ(transport_->stats()[KeyedVerdict::kUnexpectedType], 7u);
}

TEST_F(DpdkPortTest, BadRcasFramingIsDroppedInTheWorker) {
  Bytes msg = Framed(MessageType::kKeyRequest, 64);
  msg.pop_back();  // one octet short of the header's length
  Inject(UdpFrame(msg));
  Turn();
  EXPECT_TRUE(Messages().empty());
  EXPECT_EQ(transport_->stats()[KeyedVerdict::kBadFrame], 1u);
}

TEST_F(DpdkPortTest, KeyedMessageIsOpenedInTheWorkerWithInstalledKeys) {
  Keyed k;
  protocol::FlowKeys flow;
  ASSERT_TRUE(protocol::MakeFlowKeys(k.keys, &flow).ok());
  transport_->InstallKeys(CamPeer(), 42, flow);
  const Bytes sid = SessionId();
  Bytes der;
  const Bytes msg = LogResponse(k.keys, sid, &der);
  Inject(UdpFrame(msg));
  Turn();
  const auto got = Messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].pre_opened);
  EXPECT_EQ(got[0].session, 42u);
  EXPECT_EQ(got[0].verdict, protocol::ProtectError::kOk);
  EXPECT_TRUE(std::equal(der.begin(), der.end(), got[0].content.begin(), got[0].content.end()));
  EXPECT_EQ(transport_->stats()[DpdkCounter::kFlowsInstalled], 1u);
}

TEST_F(DpdkPortTest, ForgedMacReachesControlAsBadMacWithItsBytesIntact) {
  Keyed k;
  Keyed other;
  protocol::FlowKeys flow;
  ASSERT_TRUE(protocol::MakeFlowKeys(k.keys, &flow).ok());
  transport_->InstallKeys(CamPeer(), 7, flow);
  Bytes der;
  const Bytes forged = LogResponse(other.keys, SessionId(), &der);
  Inject(UdpFrame(forged));
  Turn();
  const auto got = Messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].pre_opened);
  EXPECT_EQ(got[0].verdict, protocol::ProtectError::kBadMac);
  EXPECT_TRUE(
      std::equal(forged.begin(), forged.end(), got[0].message.begin(), got[0].message.end()));
}

TEST_F(DpdkPortTest, RemovedFlowSendsRawAndAnOldSessionCannotRemoveANewOne) {
  Keyed k;
  protocol::FlowKeys flow;
  ASSERT_TRUE(protocol::MakeFlowKeys(k.keys, &flow).ok());
  transport_->InstallKeys(CamPeer(), 1, flow);
  transport_->InstallKeys(CamPeer(), 2, flow);  // a new session from the same source
  transport_->RemoveFlow(CamPeer(), 1);         // the old one's end
  Bytes der;
  Inject(UdpFrame(LogResponse(k.keys, SessionId(), &der)));
  Turn();
  auto got = Messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].pre_opened);
  EXPECT_EQ(got[0].session, 2u);
  transport_->RemoveFlow(CamPeer(), 2);
  Inject(UdpFrame(LogResponse(k.keys, SessionId(), &der)));
  Turn();
  got = Messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].pre_opened);
}

TEST_F(DpdkPortTest, AnswerGoesToTheLearntNeighborWithValidHeaders) {
  Inject(UdpFrame(Framed(MessageType::kKeyRequest, 64)));
  Turn();
  ASSERT_EQ(Messages().size(), 1u);
  const Bytes answer = Framed(MessageType::kKeyResponse, 300);
  control::OutMessage out{CamPeer(), answer};
  ASSERT_TRUE(transport_->Send(out));
  Turn();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  ASSERT_EQ(ParseFrame(sent[0], &v), FrameVerdict::kUdp);
  EXPECT_EQ(v.dst_mac, kCamMac);
  EXPECT_EQ(v.src_mac, gateway_mac());
  EXPECT_EQ(v.dst_ip, *IpAddr::Parse(kCamV4));
  EXPECT_EQ(v.src_ip, *IpAddr::Parse(kGatewayV4));
  EXPECT_EQ(v.src_port, 49104);
  EXPECT_EQ(v.dst_port, kCamPort);
  const ByteView payload = ByteView(sent[0]).subspan(v.payload_offset, v.payload_len);
  EXPECT_TRUE(std::equal(answer.begin(), answer.end(), payload.begin(), payload.end()));
}

TEST_F(DpdkPortTest, Ipv6DatagramIsServedAndAnswered) {
  Inject(UdpFrame(Framed(MessageType::kKeyRegRequest, 64), true));
  Turn();
  const auto got = Messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].peer == CamPeer(true));
  ASSERT_TRUE(transport_->Send({got[0].peer, Framed(MessageType::kKeyRegResponse, 100)}));
  Turn();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  ASSERT_EQ(ParseFrame(sent[0], &v), FrameVerdict::kUdp);  // UDP checksum verified by the parser
  EXPECT_EQ(v.dst_ip, *IpAddr::Parse(kCamV6));
}

TEST_F(DpdkPortTest, AnswerToAnUnknownNeighborResolvesAndIsCounted) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(5);
  inet_pton(AF_INET, "10.77.0.9", &a.sin_addr);
  control::PeerRef p = control::PeerRef::Udp(reinterpret_cast<const sockaddr*>(&a), sizeof a);
  p.connection = kDpdkPeerTag;
  ASSERT_TRUE(transport_->Send({p, Framed(MessageType::kStatus, 20)}));
  Turn();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  EXPECT_EQ(ParseFrame(sent[0], &v), FrameVerdict::kArpRequest);
  EXPECT_EQ(transport_->stats()[DpdkCounter::kTxNoNeighbor], 1u);
  EXPECT_EQ(transport_->stats()[DpdkCounter::kResolutionsSent], 1u);
}

TEST_F(DpdkPortTest, AnnouncementGoesToTheGroupMacWithTtlOne) {
  ASSERT_TRUE(transport_->Announce(Framed(MessageType::kRcasAnnounce, 80),
                                   Endpoint{"239.255.103.1", 49103}));
  Turn();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  ASSERT_EQ(ParseFrame(sent[0], &v), FrameVerdict::kUdp);
  EXPECT_EQ(v.dst_mac, MulticastMac(*IpAddr::Parse("239.255.103.1")));
  EXPECT_EQ(v.dst_port, 49103);
  EXPECT_EQ(sent[0][14 + 8], 1) << "IPv4 TTL";
  EXPECT_EQ(transport_->stats()[DpdkCounter::kAnnounceTx], 1u);
}

TEST_F(DpdkPortTest, DatagramsNotForTheGatewayAreDroppedByReason) {
  Inject(UdpFrame(Framed(MessageType::kKeyRequest, 64), false, 49105));  // another port
  Bytes other_mac = UdpFrame(Framed(MessageType::kKeyRequest, 64));
  other_mac[0] ^= 0x02;
  Inject(other_mac);
  Bytes bad_checksum = UdpFrame(Framed(MessageType::kKeyRequest, 64));
  bad_checksum.back() ^= 0xff;
  Inject(bad_checksum);
  Turn();
  EXPECT_TRUE(Messages().empty());
  const DpdkStats s = transport_->stats();
  EXPECT_EQ(s[DpdkCounter::kRxWrongPort], 1u);
  EXPECT_EQ(s[DpdkCounter::kRxNotOurMac], 1u);
  EXPECT_EQ(s[FrameVerdict::kUdpChecksum], 1u);
  EXPECT_EQ(s[DpdkCounter::kRxPackets], 3u);
}

}  // namespace
}  // namespace rcas::dataplane::testing

namespace rcas::dataplane::testing {
namespace {

class DpdkShedTest : public DpdkPortTest {
 public:
  void SetUp() override {
    DpdkOptions o = TestOptions();
    o.shed_first_requests_at = 4;
    Open(o);
  }
};

TEST_F(DpdkShedTest, ControlThreadBehindShedsFirstRequestsButKeepsKeyedTraffic) {
  for (int i = 0; i < 6; ++i) {
    Inject(UdpFrame(Framed(MessageType::kKeyRequest, 64)));
  }
  Turn(1);  // six wait for control: past the mark of 4
  for (int i = 0; i < 3; ++i) {
    Inject(UdpFrame(Framed(MessageType::kKeyRegRequest, 64)));
  }
  Inject(UdpFrame(Framed(MessageType::kCamReg, 48)));
  Inject(UdpFrame(Framed(MessageType::kRenewConfirm, 48)));
  Turn(1);
  const auto got = Messages();
  ASSERT_EQ(got.size(), 8u);
  for (size_t i = 6; i < 8; ++i) {
    protocol::Header h;
    ASSERT_EQ(protocol::ParseHeader(got[i].message, &h), protocol::HeaderError::kOk);
    EXPECT_TRUE(h.type == MessageType::kCamReg || h.type == MessageType::kRenewConfirm);
  }
  EXPECT_EQ(transport_->stats()[DpdkCounter::kShedFirstRequests], 3u);
  // Drained: first requests are served again.
  Inject(UdpFrame(Framed(MessageType::kKeyRequest, 64)));
  Turn(1);
  EXPECT_EQ(Messages().size(), 1u);
}

}  // namespace
}  // namespace rcas::dataplane::testing
