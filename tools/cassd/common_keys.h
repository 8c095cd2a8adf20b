#pragma once
// CommonKeyFile: the CCCIEK pair of every common-image object the daemon publishes, kept in
// state_dir/ccciek. §11.8 draws the pair once per object; CAMRegConfirm hands it to every CAM
// that may fetch the object. Drawing it again at each start would break every CAM that got its
// pair (or its RenewInfo) from the daemon before a restart and fetches afterwards: its PKCS#7
// check fails and it answers Status 0x03. So a restart encrypts the same object (same fn,
// client type, version and plaintext) under the same pair; a changed file is a new object with a
// new pair. The file is secret like rand_chk: mode 0600, ours, replaced atomically.
//
// Format: one line per object, `<object id hex32> <CCCIEK hex32> <CCCIEK-IV hex32>`.

#include <map>
#include <set>
#include <string>

#include "control/campaign_catalog.h"
#include "crypto/result.h"

namespace rcas::tools::cassd {

class CommonKeyFile {
 public:
  // Open reads state_dir/ccciek (absent: no objects yet). A file others may read, or one with a
  // malformed line, is an error naming the file.
  static Result<CommonKeyFile> Open(const std::string& state_dir);

  // Assign sets image.keys for a common image: the kept pair of its object, or a new one drawn,
  // written and fsynced before it is used. Individual images are left alone.
  Status Assign(control::CatalogImage& image);
  // Retain drops the pairs of objects not assigned since Open (images no longer configured).
  Status Retain();
  size_t objects() const { return keys_.size(); }

 private:
  explicit CommonKeyFile(std::string path) : path_(std::move(path)) {}
  Status Save() const;

  std::string path_;
  std::map<std::string, control::CommonImageKeys> keys_;  // by object id (hex)
  std::set<std::string> assigned_;
};

}  // namespace rcas::tools::cassd
