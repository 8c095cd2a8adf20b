#pragma once
// RCAS_DEFINE_VERDICTS turns one X-macro list of (name, "counter-name") into
// an enum class (kOk first by convention), its size k<Enum>Count and a
// constexpr <Enum>Name(), so every drop reason has a counter and a name from
// one place (STYLE: VPP's foreach_*_error).

#include <cstddef>
#include <cstdint>

#define RCAS_VERDICT_ENUM_ENTRY(name, text) name,
#define RCAS_VERDICT_TEXT_ENTRY(name, text) text,
#define RCAS_VERDICT_COUNT_ENTRY(name, text) +1

#define RCAS_DEFINE_VERDICTS(Enum, LIST)                                                         \
  enum class Enum : uint8_t { LIST(RCAS_VERDICT_ENUM_ENTRY) };                                   \
  inline constexpr size_t k##Enum##Count = 0 LIST(RCAS_VERDICT_COUNT_ENTRY);                     \
  /* Enum##Name is the counter name of a verdict; "unknown" out of range. */                     \
  constexpr const char* Enum##Name(Enum e) noexcept {                                            \
    constexpr const char* kNames[] = {LIST(RCAS_VERDICT_TEXT_ENTRY)};                            \
    return static_cast<size_t>(e) < k##Enum##Count ? kNames[static_cast<size_t>(e)] : "unknown"; \
  }
