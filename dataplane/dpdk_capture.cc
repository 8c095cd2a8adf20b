// In-app pcapng capture (dpdk-dumpcap cannot attach to a --no-huge process): workers copy
// frames with rte_pcapng_copy onto a ring each, the control thread writes them in Drain.

#include <fcntl.h>
#include <rte_pcapng.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <string>

#include "dataplane/dpdk_internal.h"

namespace rcas::dataplane {

Status DpdkTransport::StartCapture(const std::string& path) {
  Impl& impl = *impl_;
  if (impl.capture != nullptr) {
    return Error{"capture: already running"};
  }
  if (impl.capture_pool == nullptr) {  // kept until the transport goes: workers may hold copies
    impl.capture_pool =
        rte_pktmbuf_pool_create("rcas_capture", 4095, 64, 0,
                                rte_pcapng_mbuf_size(RTE_MBUF_DEFAULT_DATAROOM), rte_socket_id());
    if (impl.capture_pool == nullptr) {
      return Error{std::string("capture: pool: ") + rte_strerror(rte_errno)};
    }
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error{"capture: cannot open " + path};
  }
  utsname u{};
  uname(&u);
  const std::string os = std::string(u.sysname) + " " + u.release;
  impl.capture = rte_pcapng_fdopen(fd, os.c_str(), nullptr, "rcas-cassd", nullptr);
  if (impl.capture == nullptr) {
    close(fd);
    return Error{"capture: rte_pcapng_fdopen failed"};
  }
  impl.capture_on.store(true, std::memory_order_release);
  return OkStatus();
}

void DpdkTransport::StopCapture() {
  Impl& impl = *impl_;
  if (impl.capture == nullptr) {
    return;
  }
  impl.capture_on.store(false, std::memory_order_release);
  WriteCapture(impl);
  rte_pcapng_close(impl.capture);  // closes the fd
  impl.capture = nullptr;
}

bool DpdkTransport::capturing() const { return impl_->capture != nullptr; }

void WriteCapture(DpdkTransport::Impl& impl) {
  for (auto& w : impl.workers) {
    rte_mbuf* pkts[kBurst];
    unsigned n = 0;
    while ((n = rte_ring_sc_dequeue_burst(w->capture, reinterpret_cast<void**>(pkts), kBurst,
                                          nullptr)) > 0) {
      if (impl.capture != nullptr) {
        rte_pcapng_write_packets(impl.capture, pkts, static_cast<uint16_t>(n));  // frees them
      } else {
        rte_pktmbuf_free_bulk(pkts, n);
      }
    }
  }
}

}  // namespace rcas::dataplane
