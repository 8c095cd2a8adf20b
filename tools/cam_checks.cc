// CheckImage (tools/cam_checks.h): PROFILE §17.2.

#include "tools/cam_checks.h"

#include "crypto/aes.h"
#include "crypto/hash.h"

namespace rcas::tools {

ImageVerdict CheckImage(ByteView object, ByteView key, ByteView iv, ByteView expected_sha1,
                        Bytes* plain) {
  auto image = crypto::AesCbcDecrypt(key, iv, object);
  if (!image) {
    return ImageVerdict::kBadPadding;
  }
  if (!crypto::ConstantTimeEqual(crypto::Sha1(*image), expected_sha1)) {
    return ImageVerdict::kHashMismatch;
  }
  if (plain != nullptr) {
    *plain = std::move(*image);
  }
  return ImageVerdict::kOk;
}

}  // namespace rcas::tools
