// The capture reader of `rcasctl decode` on any capture file: it must not crash, and what it
// hands the decoder must hold what its header promises: every packet number within the packets
// read, every UDP candidate a parsable header, every TCP message one whole frame (PROFILE §5.3).

#include <cstdint>
#include <cstdlib>

#include "protocol/framing.h"
#include "tools/pcap_reader.h"

namespace {

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 20) {
    return 0;
  }
  const auto scan = rcas::tools::ReadCaptureBytes(rcas::ByteView(data, size), "fuzz");
  if (!scan) {
    return 0;
  }
  Check(scan->skipped_link + scan->skipped_fragment + scan->skipped_l4 + scan->empty <=
        scan->packets);
  for (const rcas::tools::CapturedMessage& m : scan->messages) {
    Check(m.packet >= 1 && m.packet <= scan->packets && !m.flow.empty());
    rcas::protocol::Header h;
    if (m.tcp) {
      Check(rcas::protocol::CheckFramedMessage(m.message, &h) == rcas::protocol::FrameError::kOk);
    } else {
      Check(rcas::protocol::ParseHeader(m.message, &h) == rcas::protocol::HeaderError::kOk);
    }
  }
  for (const rcas::tools::TcpFramingFailure& f : scan->tcp_failures) {
    Check(!f.flow.empty() && !f.reason.empty());
  }
  return 0;
}
