// Content codec cost per message (PROFILE §7): Decode (strict BER, all
// constraint and profile checks, zero-copy) and Encode (DER into a caller
// buffer) of every content of tests/data/vectors/messages.json.
//
//   build/<dir>/perf/protocol_bench --benchmark_filter=Codec

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "protocol/content.h"

namespace rcas::protocol {
namespace {

template <Content T>
void BM_CodecDecode(benchmark::State& state, Bytes der) {
  T value{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(der.data());
    const DecodeError e = Decode(der, &value);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(value);
  }
  if (Decode(der, &value) != DecodeError::kNone) {
    state.SkipWithError("vector does not decode");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * der.size()));
}

template <Content T>
void BM_CodecEncode(benchmark::State& state, Bytes der) {
  T value{};
  if (Decode(der, &value) != DecodeError::kNone) {
    state.SkipWithError("vector does not decode");
    return;
  }
  Bytes out(der.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(value);
    const size_t n = Encode(value, MutableByteView(out));
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * der.size()));
}

using Registrar = std::function<void(const std::string& name, const Bytes& der)>;

template <Content T>
Registrar For() {
  return [](const std::string& name, const Bytes& der) {
    benchmark::RegisterBenchmark(("Codec/Decode/" + name).c_str(), BM_CodecDecode<T>, der);
    benchmark::RegisterBenchmark(("Codec/Encode/" + name).c_str(), BM_CodecEncode<T>, der);
  };
}

// Registers one decode and one encode benchmark per vector content; the
// vector file is found next to this source (no JSON library in perf/).
bool RegisterVectorBenchmarks() {
  const std::map<std::string, Registrar> by_type = {
      {"RCASAnnounce", For<RcasAnnounceContent>()},
      {"RCASRenewal", For<RcasRenewalContent>()},
      {"KeyRequest", For<KeyRequestContent>()},
      {"KeyResponse", For<KeyResponseContent>()},
      {"KeyRspConfidentialContent", For<KeyResponseConfidential>()},
      {"CAMReg", For<CamRegContent>()},
      {"CAMRegConfirm", For<CamRegConfirmContent>()},
      {"RenewInfo", For<RenewInfoContent>()},
      {"RenewConfirm", For<RenewConfirmContent>()},
      {"PurchaseReport", For<PurchaseReportContent>()},
      {"Status", For<StatusContent>()},
      {"LogRequest", For<LogRequestContent>()},
      {"LogResponse", For<LogResponseContent>()},
      {"KeyRegRequest", For<KeyRegRequestContent>()},
      {"KeyRegResponse", For<KeyRegResponseContent>()},
      {"KeyRegRspConfidentialContent", For<KeyRegResponseConfidential>()},
  };
  const auto path =
      std::filesystem::path(__FILE__).parent_path() / "../../tests/data/vectors/messages.json";
  std::ifstream in(path);
  if (!in) {
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  // Each case names its type before its content_der.
  auto quoted_after = [&json](const std::string& key, size_t from, size_t* at) {
    const std::string prefix = "\"" + key + "\": \"";
    const size_t start = json.find(prefix, from);
    if (start == std::string::npos) {
      return std::string();
    }
    const size_t begin = start + prefix.size();
    *at = json.find('"', begin);
    return json.substr(begin, *at - begin);
  };
  std::map<std::string, int> seen;
  size_t pos = 0;
  for (std::string type; !(type = quoted_after("type_name", pos, &pos)).empty();) {
    const size_t next_case = json.find("\"type_name\"", pos);
    size_t der_end = 0;
    const auto der = FromHex(quoted_after("content_der", pos, &der_end));
    const auto reg = by_type.find(type);
    if (reg == by_type.end() || !der || der->empty() || der_end > next_case) {
      continue;
    }
    const int n = seen[type]++;
    reg->second(n == 0 ? type : type + "#" + std::to_string(n), *der);
  }
  return !seen.empty();
}

[[maybe_unused]] const bool kRegistered = RegisterVectorBenchmarks();

}  // namespace
}  // namespace rcas::protocol
