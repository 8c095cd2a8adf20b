// CamDownloads: image downloads on worker threads for the CAM fleet.

#include "tools/cam_downloads.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "tools/cam_net.h"

namespace rcas::tools {

CamDownloads::CamDownloads(unsigned threads, uint16_t http_port, uint16_t tftp_port,
                           ImageClientOptions options)
    : http_port_(http_port),
      tftp_port_(tftp_port),
      options_(options),
      event_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  for (unsigned i = 0; i < std::max(threads, 1u); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
}

CamDownloads::~CamDownloads() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) {
    t.join();
  }
  close(event_fd_);
}

void CamDownloads::Submit(size_t member, const ImageRequest& request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back({member, request});
  }
  cv_.notify_one();
}

std::vector<CamDownloads::Done> CamDownloads::Take() {
  uint64_t count = 0;
  (void)read(event_fd_, &count, sizeof(count));
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(done_, {});
}

void CamDownloads::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (stop_) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Result<Bytes> object = Fetch(job.request, http_port_, tftp_port_, options_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_.push_back({job.member, job.request.download, job.request.index, std::move(object)});
    }
    const uint64_t one = 1;
    (void)write(event_fd_, &one, sizeof(one));
  }
}

Result<Bytes> CamDownloads::Fetch(const ImageRequest& r, uint16_t http_port, uint16_t tftp_port,
                                  const ImageClientOptions& options) {
  if (r.tm != 0x02 && r.tm != 0x03) {
    return Error{"carousel (tm 0x01) is located outside the profile (§22 Q4)"};
  }
  if (!r.ds_ip) {
    return Error{"no dSIP"};
  }
  uint8_t ip[16];
  std::copy(r.ds_ip->begin(), r.ds_ip->end(), ip);
  const std::string host = MappedIpText(ip);
  return r.tm == 0x03 ? HttpDownload(host, http_port, r.fn, options)
                      : TftpDownload(host, tftp_port, r.fn, options);
}

}  // namespace rcas::tools
