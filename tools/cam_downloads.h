#pragma once
// CamDownloads: the fleet's image downloads (PROFILE §13.7, §17.2) on worker threads, so that
// the one protocol thread of tools/cam_fleet.h never waits on an image server. Jobs go in with
// Submit; results come back with Take, announced by an eventfd the fleet's epoll watches. Submit
// and Take are for the protocol thread only; the workers touch nothing else.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "crypto/result.h"
#include "tools/cam_io.h"
#include "tools/image_client.h"

namespace rcas::tools {

class CamDownloads {
 public:
  struct Done {
    size_t member;  // the fleet's CAM index
    uint64_t download;
    size_t index;
    Result<Bytes> object;
  };

  // `threads` workers (at least one) fetch over HTTP from `http_port` and TFTP from `tftp_port`.
  CamDownloads(unsigned threads, uint16_t http_port, uint16_t tftp_port,
               ImageClientOptions options);
  // ~CamDownloads stops the workers after their current download and joins them.
  ~CamDownloads();
  CamDownloads(const CamDownloads&) = delete;
  CamDownloads& operator=(const CamDownloads&) = delete;

  void Submit(size_t member, const ImageRequest& request);
  // Take returns the finished downloads (and clears the eventfd).
  std::vector<Done> Take();
  int event_fd() const { return event_fd_; }

  // Fetch is one download, on the calling thread: HTTP for tm 0x03, TFTP for 0x02; a carousel
  // (0x01) is located outside the profile (§22 Q4).
  static Result<Bytes> Fetch(const ImageRequest& r, uint16_t http_port, uint16_t tftp_port,
                             const ImageClientOptions& options);

 private:
  struct Job {
    size_t member = 0;
    ImageRequest request;
  };
  void Work();

  const uint16_t http_port_;
  const uint16_t tftp_port_;
  const ImageClientOptions options_;
  int event_fd_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::vector<Done> done_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace rcas::tools
