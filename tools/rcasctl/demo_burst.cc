// The differential check of the demo: every keyed message of both sessions sealed again in one
// IPsec-MB burst (crypto/burst.h) must give the bytes protocol::Seal gave (PROFILE §9.2-§9.4).

#include <algorithm>
#include <vector>

#include "crypto/burst.h"
#include "crypto/key_context.h"
#include "crypto/mb_manager.h"
#include "tools/rcasctl/demo_context.h"

namespace rcas::tools {

bool CheckBurst(DemoContext& ctx) {
  ctx.report.Section("IPsec-MB burst engine");
  const size_t n = ctx.keyed.size();
  std::vector<crypto::KeyContext> keys(n);
  std::vector<Bytes> buffers(n);
  std::vector<crypto::SealJob> jobs(n);
  for (size_t i = 0; i < n; ++i) {
    const KeyedRecord& r = ctx.keyed[i];
    const Status init = keys[i].Init(r.ek.view(), r.ik.view(), r.ivb.view());
    if (!ctx.report.Check(init.ok(), "burst key context")) {
      return false;
    }
    const bool encrypt = r.protection.encrypted;
    const size_t wire = encrypt ? crypto::PaddedSize(r.content.size()) : r.content.size();
    buffers[i].assign(crypto::SealedSize(r.content.size(), encrypt), 0);
    protocol::WriteHeader(protocol::MakeHeader(r.protection.type, wire, r.nonce),
                          buffers[i].data());
    std::copy(r.content.begin(), r.content.end(), buffers[i].begin() + protocol::kHeaderLen);
    jobs[i].keys = &keys[i];
    jobs[i].msg = buffers[i].data();
    jobs[i].capacity = static_cast<uint32_t>(buffers[i].size());
    jobs[i].plain_len = static_cast<uint32_t>(r.content.size());
    jobs[i].encrypt = encrypt;
    jobs[i].user = i;
  }
  crypto::MbManager mb;
  const size_t sealed = crypto::SealBurst(mb, jobs);
  if (!ctx.report.Check(sealed == n, "burst sealed every job")) {
    return false;
  }
  size_t same = 0;
  for (const crypto::SealJob& job : jobs) {
    const KeyedRecord& r = ctx.keyed[job.user];
    same += std::equal(job.msg, job.msg + job.sealed_len, r.sealed.begin(), r.sealed.end()) ? 1 : 0;
  }
  if (!ctx.report.Check(same == n, "burst == one-shot for every keyed message")) {
    return false;
  }
  ctx.report.Note("burst == one-shot: " + std::to_string(n) +
                  " keyed messages (announcements, CAMReg, encrypted and keyed Status) sealed in "
                  "one IPsec-MB burst (" +
                  mb.name() + "), byte-identical to protocol::Seal");
  return true;
}

}  // namespace rcas::tools
