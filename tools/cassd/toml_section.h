#pragma once
// TomlSection: strict reading of one TOML table for rcas-cassd's config. Each getter leaves the
// default alone when the key is absent, refuses a value of the wrong type or range with an
// error naming "[table].key", and remembers the key, so that Finish can refuse unknown keys.
// The first error wins; later calls do nothing.

#include <cpptoml.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace rcas::tools::cassd {

class TomlSection {
 public:
  // `table` may be null (the section is absent: every getter keeps its default).
  TomlSection(std::shared_ptr<cpptoml::table> table, std::string name, std::string* error)
      : table_(std::move(table)), name_(std::move(name)), error_(error) {}

  bool Has(const std::string& key) const { return table_ != nullptr && table_->contains(key); }
  bool present() const { return table_ != nullptr; }

  void String(const std::string& key, std::string* out) {
    if (!Use(key)) {
      return;
    }
    auto v = table_->get_as<std::string>(key);
    v ? void(*out = *v) : Fail(key, "must be a string");
  }
  void Bool(const std::string& key, bool* out) {
    if (!Use(key)) {
      return;
    }
    auto v = table_->get_as<bool>(key);
    v ? void(*out = *v) : Fail(key, "must be true or false");
  }
  template <typename T>
  void Int(const std::string& key, int64_t min, int64_t max, T* out) {
    if (!Use(key)) {
      return;
    }
    auto v = table_->get_as<int64_t>(key);
    if (!v || *v < min || *v > max) {
      Fail(key, "must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
      return;
    }
    *out = static_cast<T>(*v);
  }
  void Strings(const std::string& key, std::vector<std::string>* out) {
    if (!Use(key)) {
      return;
    }
    auto v = table_->get_array_of<std::string>(key);
    v ? void(*out = *v) : Fail(key, "must be an array of strings");
  }
  // Tables returns the [[name.key]] entries (empty when absent).
  std::vector<std::shared_ptr<cpptoml::table>> Tables(const std::string& key) {
    if (!Use(key)) {
      return {};
    }
    auto v = table_->get_table_array(key);
    if (!v) {
      Fail(key, "must be an array of tables ([[" + name_ + "." + key + "]])");
      return {};
    }
    return v->get();
  }

  // Fail records an error for `key` (also for checks the caller makes on a value).
  void Fail(const std::string& key, const std::string& why) {
    if (error_->empty()) {
      *error_ = "[" + name_ + "]." + key + ": " + why;
    }
  }
  // Finish refuses the keys no getter asked for.
  void Finish() {
    if (table_ == nullptr) {
      return;
    }
    for (const auto& [key, value] : *table_) {
      if (used_.count(key) == 0) {
        Fail(key, "unknown key");
      }
    }
  }
  bool ok() const { return error_->empty(); }

 private:
  bool Use(const std::string& key) {
    used_.insert(key);
    return error_->empty() && Has(key);
  }

  std::shared_ptr<cpptoml::table> table_;
  std::string name_;
  std::string* error_;
  std::set<std::string> used_;
};

}  // namespace rcas::tools::cassd
