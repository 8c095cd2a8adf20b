#include "tools/cassd/common_keys.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "tools/cassd/state.h"

namespace rcas::tools::cassd {
namespace {

constexpr size_t kMaxFile = 1 << 20;  // 10k objects; a config has a handful

// ObjectId names a common object by what makes it one (§11.8): fn, client type, version and
// the plaintext's SHA-1 (the hashed-CCCI CAMs check).
std::string ObjectId(const control::CatalogImage& image) {
  uint8_t fixed[5] = {image.client_type};
  StoreBe32(fixed + 1, image.version);
  const crypto::Sha1Digest sha1 = crypto::Sha1(*image.plaintext);
  const auto id =
      crypto::Sha256({ByteView(reinterpret_cast<const uint8_t*>(image.fn.data()), image.fn.size()),
                      ByteView(fixed), ByteView(sha1)});
  return ToHex(ByteView(id).first(16));
}

bool ParseSecret(std::string_view hex, MutableByteView out) {
  auto bytes = FromHex(hex);
  if (!bytes || bytes->size() != out.size()) {
    return false;
  }
  std::memcpy(out.data(), bytes->data(), out.size());
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return true;
}

}  // namespace

Result<CommonKeyFile> CommonKeyFile::Open(const std::string& state_dir) {
  CommonKeyFile file(state_dir + "/ccciek");
  auto data = ReadPrivateFile(file.path_, kMaxFile);
  if (!data.ok()) {
    return Error{data.error()};
  }
  if (!*data) {
    return file;
  }
  const std::string_view text(reinterpret_cast<const char*>((*data)->data()), (*data)->size());
  size_t line_no = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    ++line_no;
    control::CommonImageKeys keys;
    // id, key and IV: 32 hex digits each, one space between.
    if (line.size() != 3 * 32 + 2 || line[32] != ' ' || line[65] != ' ' ||
        !FromHex(line.substr(0, 32)) ||
        !ParseSecret(line.substr(33, 32), keys.ccciek.mutable_view()) ||
        !ParseSecret(line.substr(66, 32), keys.ccciek_iv.mutable_view())) {
      return Error{file.path_ + ": line " + std::to_string(line_no) +
                   " is not `<id> <CCCIEK> <CCCIEK-IV>` in hex; remove the file to draw new "
                   "pairs (CAMs keyed before then fail their next common image once)"};
    }
    file.keys_.emplace(std::string(line.substr(0, 32)), std::move(keys));
  }
  return file;
}

Status CommonKeyFile::Assign(control::CatalogImage& image) {
  if (image.kind != control::ImageKind::kCommon || !image.plaintext) {
    return OkStatus();
  }
  const std::string id = ObjectId(image);
  auto it = keys_.find(id);
  if (it == keys_.end()) {
    control::CommonImageKeys fresh;
    crypto::RandomBytes(fresh.ccciek.mutable_view());
    crypto::RandomBytes(fresh.ccciek_iv.mutable_view());
    it = keys_.emplace(id, std::move(fresh)).first;
    if (Status s = Save(); !s.ok()) {
      keys_.erase(it);
      return s;
    }
  }
  assigned_.insert(id);
  image.keys = it->second;
  return OkStatus();
}

Status CommonKeyFile::Retain() {
  const size_t before = keys_.size();
  std::erase_if(keys_, [&](const auto& kv) { return !assigned_.contains(kv.first); });
  return keys_.size() == before ? OkStatus() : Save();
}

Status CommonKeyFile::Save() const {
  std::string text;
  for (const auto& [id, keys] : keys_) {
    text += id + " " + ToHex(keys.ccciek.view()) + " " + ToHex(keys.ccciek_iv.view()) + "\n";
  }
  const size_t slash = path_.rfind('/');
  Status s =
      ReplacePrivateFile(path_.substr(0, slash), path_.substr(slash + 1),
                         ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  OPENSSL_cleanse(text.data(), text.size());
  return s;
}

}  // namespace rcas::tools::cassd
