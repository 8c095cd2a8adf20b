// The TFTP packet parser (dataplane/tftp_packet.h) on any octets: no crash,
// accepted options in range, and requests and OACKs rebuilt from what was
// parsed parse back to the same values.

#include <cstdint>
#include <cstdlib>

#include "dataplane/tftp_packet.h"

namespace {

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rcas::dataplane;  // NOLINT(google-build-using-namespace)
  TftpPacket p;
  if (!ParseTftpPacket({data, size}, &p)) {
    return 0;
  }
  Check(p.blksize == 0 || (p.blksize >= kTftpMinBlksize && p.blksize <= kTftpMaxBlksize));
  uint8_t out[1024];
  TftpPacket again;
  if (p.op == TftpOp::kRrq || p.op == TftpOp::kWrq) {
    Check(!p.filename.empty() && size <= kTftpMaxRequest);
    const size_t n = BuildTftpRequest(out, sizeof(out), p.op, p.filename, p.blksize, p.has_tsize);
    if (n != 0 && p.filename.find('\0') == p.filename.npos) {
      Check(ParseTftpPacket({out, n}, &again));
      Check(again.filename == p.filename && again.octet && again.blksize == p.blksize &&
            again.has_tsize == p.has_tsize);
    }
  } else if (p.op == TftpOp::kOack && (p.blksize != 0 || p.has_tsize)) {
    const size_t n = BuildTftpOack(out, sizeof(out), p.blksize, p.has_tsize, p.tsize);
    Check(n != 0 && ParseTftpPacket({out, n}, &again));
    Check(again.blksize == p.blksize && again.has_tsize == p.has_tsize && again.tsize == p.tsize);
  } else if (p.op == TftpOp::kData) {
    Check(p.data.size() + 4 == size);
  } else if (p.op == TftpOp::kAck) {
    Check(size == 4);
  }
  return 0;
}
