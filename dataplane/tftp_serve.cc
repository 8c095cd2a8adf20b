// The TFTP side of the image server (RFC 1350 read requests in octet mode,
// RFC 2347-2349 options; PROFILE §13.7). Each transfer has its own UDP socket
// (its TID), connected to the client: the kernel then drops datagrams from
// any other address or port, and its sends and ACK reads go through the ring.

#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "dataplane/image_server_internal.h"
#include "dataplane/tftp_packet.h"

namespace rcas::dataplane {

void ImageServer::Impl::ArmTftpListen(size_t li) {
  Listener& l = listeners[li];
  l.iov = {l.rx, sizeof(l.rx)};
  l.msg = {};
  l.msg.msg_name = &l.peer;
  l.msg.msg_namelen = sizeof(l.peer);
  l.msg.msg_iov = &l.iov;
  l.msg.msg_iovlen = 1;
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_recvmsg(sqe, l.fd, &l.msg, 0);
  io_uring_sqe_set_data64(sqe, Tag(OpKind::kTftpListen, li));
  ++inflight_total;
}

void ImageServer::Impl::OnTftpListen(size_t li, int res) {
  if (stopping) {
    return;
  }
  Listener& l = listeners[li];
  const auto refuse = [&](TftpError code, const char* why) {
    // Errors are not retransmitted (RFC 1350), so a direct non-blocking send does.
    uint8_t out[128];
    const size_t n = BuildTftpError(out, sizeof(out), code, why);
    sendto(l.fd, out, n, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&l.peer), l.msg.msg_namelen);
  };
  TftpPacket p;
  if (res < 0) {
    Count(socket_errors);
  } else if ((l.msg.msg_flags & MSG_TRUNC) != 0 || !ParseTftpPacket({l.rx, size_t(res)}, &p)) {
    Count(tftp_bad_packets);
  } else if (p.op != TftpOp::kRrq && p.op != TftpOp::kWrq) {
    Count(tftp_bad_packets);
    if (p.op != TftpOp::kError) {
      refuse(TftpError::kIllegalOp, "expected RRQ");
    }
  } else {
    Count(tftp_requests);
    std::shared_ptr<const control::ImageObject> obj;
    if (p.op == TftpOp::kWrq) {
      Count(tftp_refused);
      refuse(TftpError::kAccessViolation, "read only");
    } else if (!p.octet) {
      Count(tftp_refused);
      refuse(TftpError::kUndefined, "octet mode only");
    } else if (obj = registry.Find(p.filename); obj == nullptr) {
      Count(tftp_not_found);
      refuse(TftpError::kNotFound, "file not found");
    } else {
      StartTftp(li, p, std::move(obj));
    }
  }
  ArmTftpListen(li);
}

void ImageServer::Impl::StartTftp(size_t li, const TftpPacket& p,
                                  std::shared_ptr<const control::ImageObject> obj) {
  Listener& l = listeners[li];
  const int fd = socket(l.local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_storage local = l.local;
  if (local.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&local)->sin_port = 0;
  } else {
    reinterpret_cast<sockaddr_in6*>(&local)->sin6_port = 0;
  }
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&local), l.local_len) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&l.peer), l.msg.msg_namelen) != 0) {
    Count(socket_errors);
    if (fd >= 0) {
      close(fd);
    }
    return;
  }
  size_t index = 0;
  Client* c = NewClient(false, fd, &index);
  if (c == nullptr) {
    Count(tftp_refused);
    uint8_t out[64];
    const size_t n = BuildTftpError(out, sizeof(out), TftpError::kUndefined, "busy");
    send(fd, out, n, MSG_DONTWAIT);
    close(fd);
    return;
  }
  c->blksize = p.blksize == 0 ? kTftpDefaultBlksize : std::min(p.blksize, opt.tftp_max_blksize);
  const size_t chunk = std::max<size_t>(opt.http_chunk, (c->blksize + 15) / 16 * 16);
  c->pkt.resize(std::max<size_t>(4 + c->blksize, 64));  // 64: room for the OACK
  const uint64_t size = obj->encrypted_size;
  c->cursor.Open(std::move(obj), 0, chunk);
  if (p.blksize != 0 || p.has_tsize) {
    // RFC 2347: acknowledge the options taken; the client ACKs block 0.
    c->block = 0;
    c->pkt_len = BuildTftpOack(c->pkt.data(), c->pkt.size(), p.blksize != 0 ? c->blksize : 0,
                               p.has_tsize, size);
    TftpSend(index);
  } else {
    c->block = 1;
    TftpAssemble(index);
  }
  TftpRecv(index);
}

void ImageServer::Impl::TftpAssemble(size_t index) {
  Client& c = *clients[index];
  if (c.send_inflight) {
    c.assemble_pending = true;  // the buffer is still being sent
    return;
  }
  if (c.pkt.size() < 4 + c.blksize) {
    c.pkt.resize(4 + c.blksize);
  }
  while (c.fill < c.blksize && !c.cursor.at_end()) {
    const ByteView piece = c.cursor.Peek();
    if (piece.empty()) {
      if (!c.want_data) {
        c.want_data = true;
        want.push_back(index);
      }
      return;
    }
    const size_t take = std::min(piece.size(), c.blksize - c.fill);
    std::memcpy(c.pkt.data() + 4 + c.fill, piece.data(), take);
    c.cursor.Consume(take);
    c.fill += take;
  }
  StoreBe16(c.pkt.data(), static_cast<uint16_t>(TftpOp::kData));
  StoreBe16(c.pkt.data() + 2,
            static_cast<uint16_t>(c.block));  // wraps at 65536 (RFC 1350 §6 practice)
  c.pkt_len = 4 + c.fill;
  c.final_block = c.fill < c.blksize;  // a file of N * blksize ends with an empty DATA
  Count(tftp_data_bytes, c.fill);
  c.fill = 0;
  c.retries = 0;
  TftpSend(index);
}

void ImageServer::Impl::TftpSend(size_t index) {
  Client& c = *clients[index];
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_send(sqe, c.fd, c.pkt.data(), c.pkt_len, 0);
  io_uring_sqe_set_data64(sqe, Tag(OpKind::kTftpSend, index));
  ++c.inflight;
  ++inflight_total;
  c.send_inflight = true;
  c.deadline_ms = now_ms + opt.tftp_timeout_ms;
}

void ImageServer::Impl::TftpRecv(size_t index) {
  Client& c = *clients[index];
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_recv(sqe, c.fd, c.ack, sizeof(c.ack), 0);
  io_uring_sqe_set_data64(sqe, Tag(OpKind::kTftpRecv, index));
  ++c.inflight;
  ++inflight_total;
}

void ImageServer::Impl::OnTftpSend(size_t index, int res) {
  Client& c = *clients[index];
  c.send_inflight = false;
  Done(index);
  if (!c.in_use || c.closing) {
    return;
  }
  if (res < 0) {
    Count(socket_errors);  // e.g. ICMP unreachable from an earlier datagram; the timer retries
  }
  if (c.assemble_pending) {
    c.assemble_pending = false;
    TftpAssemble(index);
  }
}

void ImageServer::Impl::OnTftpRecv(size_t index, int res) {
  Client& c = *clients[index];
  Done(index);
  if (!c.in_use || c.closing) {
    return;
  }
  TftpPacket p;
  if (res < 0 || !ParseTftpPacket({c.ack, size_t(res)}, &p)) {
    // A refused port (the client went away) or junk: keep listening; the
    // retransmission timer ends a dead transfer.
    Count(res < 0 ? socket_errors : tftp_bad_packets);
    TftpRecv(index);
    return;
  }
  if (p.op == TftpOp::kError) {
    Count(tftp_peer_errors);  // e.g. the client refused our OACK (RFC 2347 error 8)
    CloseClient(index);
    return;
  }
  const bool current = p.op == TftpOp::kAck && p.block == static_cast<uint16_t>(c.block) &&
                       !c.want_data && !c.assemble_pending;
  if (!current) {
    // Duplicate or stale ACKs are ignored, never answered with a resend
    // (the Sorcerer's Apprentice bug, RFC 1123 §4.2.3.1).
    TftpRecv(index);
    return;
  }
  if (c.block != 0 && c.final_block) {
    Count(tftp_done);
    CloseClient(index);
    return;
  }
  ++c.block;
  TftpAssemble(index);
  TftpRecv(index);
}

void ImageServer::Impl::TftpTimeout(size_t index) {
  Client& c = *clients[index];
  if (c.want_data || c.assemble_pending || c.send_inflight) {
    c.deadline_ms = now_ms + opt.tftp_timeout_ms;
    return;
  }
  if (++c.retries > opt.tftp_max_retries) {
    Count(tftp_timeouts);
    CloseClient(index);
    return;
  }
  Count(tftp_retransmits);
  TftpSend(index);
}

}  // namespace rcas::dataplane
