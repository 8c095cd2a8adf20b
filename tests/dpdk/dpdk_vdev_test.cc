// The transport on a net_pcap vdev: frames from a capture file in, the worker's frames to another
// file. (net_memif needs the EAL's multi-process channel, which these --no-shconf tests lack.)

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <rte_bus_vdev.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/dpdk/dpdk_fixture.h"

namespace rcas::dataplane::testing {
namespace {

std::vector<Bytes> ReadPcap(const std::string& path) {
  std::vector<Bytes> frames;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (p == nullptr) {
    ADD_FAILURE() << err;
    return frames;
  }
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &h, &data) == 1) {
    frames.emplace_back(data, data + h->caplen);
  }
  pcap_close(p);
  return frames;
}

void WritePcap(const std::string& path, const std::vector<Bytes>& frames) {
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(d, nullptr);
  for (const Bytes& f : frames) {
    pcap_pkthdr h{};
    h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
}

// The pcap PMD draws its port's MAC at creation, so the capture holds what needs none: a
// broadcast ARP request for the gateway's address and one for another address.
TEST(DpdkPcapTest, CaptureFileInAnswersInAnotherFile) {
  const std::string id = std::to_string(getpid());
  const std::string in = ::testing::TempDir() + "rcas-in-" + id + ".pcap";
  const std::string out = ::testing::TempDir() + "rcas-out-" + id + ".pcap";
  LocalAddrs cam;
  cam.mac = kCamMac;
  cam.v4 = IpAddr::Parse(kCamV4);
  std::vector<Bytes> frames;
  for (const char* target : {kGatewayV4, "10.77.0.99"}) {
    Bytes arp(64);
    arp.resize(WriteArpRequest(MutableByteView(arp), cam, *IpAddr::Parse(target), false, 0));
    frames.push_back(arp);
  }
  WritePcap(in, frames);
  const std::string name = "net_pcap_t" + id;
  ASSERT_EQ(rte_vdev_init(name.c_str(), ("rx_pcap=" + in + ",tx_pcap=" + out).c_str()), 0);
  {
    DpdkOptions o = TestOptions();
    o.device = name;
    auto t = DpdkTransport::Open(o);
    ASSERT_TRUE(t.ok()) << t.error();
    ASSERT_TRUE((*t)->Start().ok());
    for (int i = 0; i < 10; ++i) {
      (*t)->PollWorkers();
    }
    EXPECT_EQ((*t)->stats()[DpdkCounter::kRxPackets], 2u);
    EXPECT_EQ((*t)->stats()[DpdkCounter::kArpAnswered], 1u);
  }  // the port closes: the PMD flushes its output file
  ASSERT_EQ(rte_vdev_uninit(name.c_str()), 0);
  const auto sent = ReadPcap(out);
  ASSERT_EQ(sent.size(), 1u);
  FrameView v;
  EXPECT_EQ(ParseFrame(sent[0], &v), FrameVerdict::kArpReply);
  EXPECT_EQ(v.dst_mac, kCamMac);
  EXPECT_EQ(v.src_ip, *IpAddr::Parse(kGatewayV4));
  std::remove(in.c_str());
  std::remove(out.c_str());
}

}  // namespace
}  // namespace rcas::dataplane::testing
