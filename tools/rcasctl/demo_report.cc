#include <cstdio>
#include <string>

#include "tools/rcasctl/command.h"
#include "tools/rcasctl/demo_context.h"

namespace rcas::tools {
namespace {

const char* PartyName(Party p) { return p == Party::kCass ? "CASS" : "CAM"; }

}  // namespace

void DemoReport::Section(std::string_view title) { out_ << "\n== " << title << " ==\n"; }

void DemoReport::Message(Party from, protocol::MessageType type, size_t size,
                         std::string_view protection, std::string_view facts) {
  ++messages_;
  const Party to = from == Party::kCass ? Party::kCam : Party::kCass;
  char line[160];
  std::snprintf(line, sizeof(line), "%-4s -> %-4s %-15s %5zu B  ", PartyName(from), PartyName(to),
                std::string(protocol::MessageTypeName(type)).c_str(), size);
  out_ << line << protection << (facts.empty() ? "" : " | ") << facts << '\n';
}

void DemoReport::Note(std::string_view text) { out_ << "             " << text << '\n'; }

bool DemoReport::Check(bool ok, std::string_view what) {
  if (!ok) {
    ++failures_;
    out_ << "FAILED: " << what << '\n';
  }
  return ok;
}

int DemoReport::Finish() {
  out_ << '\n';
  if (failures_ == 0) {
    out_ << "demo: " << messages_ << " messages, all verified\n";
    return kExitOk;
  }
  out_ << "demo: " << messages_ << " messages, " << failures_ << " check(s) FAILED\n";
  return kExitFailure;
}

}  // namespace rcas::tools
