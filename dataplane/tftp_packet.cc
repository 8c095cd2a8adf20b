// TFTP packet parsing and building (dataplane/tftp_packet.h).

#include "dataplane/tftp_packet.h"

#include <charconv>
#include <cstring>
#include <string>

#include "dataplane/ascii.h"

namespace rcas::dataplane {
namespace {

// Strings: NUL-terminated fields after the opcode.
class Fields {
 public:
  explicit Fields(ByteView in) : p_(reinterpret_cast<const char*>(in.data())), n_(in.size()) {}
  bool done() const { return pos_ == n_; }
  bool Next(std::string_view* s) {
    const void* nul = std::memchr(p_ + pos_, 0, n_ - pos_);
    if (nul == nullptr) {
      return false;
    }
    const size_t len = static_cast<const char*>(nul) - (p_ + pos_);
    *s = std::string_view(p_ + pos_, len);
    pos_ += len + 1;
    return true;
  }

 private:
  const char* p_;
  size_t n_;
  size_t pos_ = 0;
};

bool ParseNumber(std::string_view s, uint64_t* v) {
  if (s.empty() || s.size() > 19) {
    return false;
  }
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// ParseOptions reads name/value pairs (RFC 2347) until the end of the packet.
bool ParseOptions(Fields& f, TftpPacket* out) {
  while (!f.done()) {
    std::string_view name, value;
    if (!f.Next(&name) || !f.Next(&value) || name.empty()) {
      return false;
    }
    uint64_t v = 0;
    if (IEquals(name, "blksize")) {
      if (!ParseNumber(value, &v) || v < kTftpMinBlksize || v > kTftpMaxBlksize) {
        return false;
      }
      out->blksize = static_cast<uint32_t>(v);
    } else if (IEquals(name, "tsize")) {
      if (!ParseNumber(value, &v)) {
        return false;
      }
      out->has_tsize = true;
      out->tsize = v;
    }
  }
  return true;
}

size_t Put(uint8_t* out, size_t cap, size_t pos, std::string_view s) {
  if (pos == 0 || pos + s.size() + 1 > cap) {
    return 0;
  }
  std::memcpy(out + pos, s.data(), s.size());
  out[pos + s.size()] = 0;
  return pos + s.size() + 1;
}

}  // namespace

bool ParseTftpPacket(ByteView in, TftpPacket* out) {
  *out = TftpPacket{};
  if (in.size() < 4) {
    return false;
  }
  const uint16_t op = LoadBe16(in.data());
  Fields f(in.subspan(2));
  switch (op) {
    case 1:
    case 2:
    case 6: {
      out->op = static_cast<TftpOp>(op);
      if (in.size() > kTftpMaxRequest) {
        return false;
      }
      if (op == 6) {
        return ParseOptions(f, out);
      }
      std::string_view mode;
      if (!f.Next(&out->filename) || out->filename.empty() || !f.Next(&mode)) {
        return false;
      }
      out->octet = IEquals(mode, "octet");
      return ParseOptions(f, out);
    }
    case 3:
      out->op = TftpOp::kData;
      out->block = LoadBe16(in.data() + 2);
      out->data = in.subspan(4);
      return out->data.size() <= kTftpMaxBlksize;
    case 4:
      out->op = TftpOp::kAck;
      out->block = LoadBe16(in.data() + 2);
      return in.size() == 4;
    case 5: {
      out->op = TftpOp::kError;
      out->error_code = LoadBe16(in.data() + 2);
      Fields msg(in.subspan(4));
      return msg.Next(&out->error_msg) && msg.done();
    }
    default:
      return false;
  }
}

size_t BuildTftpError(uint8_t* out, size_t cap, TftpError code, std::string_view msg) {
  if (cap < 4) {
    return 0;
  }
  StoreBe16(out, static_cast<uint16_t>(TftpOp::kError));
  StoreBe16(out + 2, static_cast<uint16_t>(code));
  return Put(out, cap, 4, msg);
}

size_t BuildTftpAck(uint8_t* out, size_t cap, uint16_t block) {
  if (cap < 4) {
    return 0;
  }
  StoreBe16(out, static_cast<uint16_t>(TftpOp::kAck));
  StoreBe16(out + 2, block);
  return 4;
}

size_t BuildTftpRequest(uint8_t* out, size_t cap, TftpOp op, std::string_view filename,
                        uint32_t blksize, bool tsize) {
  if (cap < 2) {
    return 0;
  }
  StoreBe16(out, static_cast<uint16_t>(op));
  size_t pos = Put(out, cap, 2, filename);
  pos = Put(out, cap, pos, "octet");
  if (blksize != 0) {
    pos = Put(out, cap, Put(out, cap, pos, "blksize"), std::to_string(blksize));
  }
  if (tsize) {
    pos = Put(out, cap, Put(out, cap, pos, "tsize"), "0");
  }
  return pos;
}

size_t BuildTftpOack(uint8_t* out, size_t cap, uint32_t blksize, bool has_tsize, uint64_t tsize) {
  if (cap < 2) {
    return 0;
  }
  StoreBe16(out, static_cast<uint16_t>(TftpOp::kOack));
  size_t pos = 2;
  if (blksize != 0) {
    pos = Put(out, cap, Put(out, cap, pos, "blksize"), std::to_string(blksize));
  }
  if (has_tsize) {
    pos = Put(out, cap, Put(out, cap, pos, "tsize"), std::to_string(tsize));
  }
  return pos;
}

}  // namespace rcas::dataplane
