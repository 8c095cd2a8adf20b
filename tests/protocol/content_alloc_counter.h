#pragma once
// AllocationCounter: counts heap allocations through the sanitizer
// allocator hooks, so the content codec's "no allocation on the decode path"
// can be checked in the ASan builds (asan-ubsan tests, fuzz targets) without
// replacing the global operator new of a shared test binary.

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define RCAS_MALLOC_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RCAS_MALLOC_HOOKS 1
#endif
#endif

#ifdef RCAS_MALLOC_HOOKS
// From <sanitizer/allocator_interface.h>, which gcc's runtime provides but
// does not always install.
extern "C" int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void* ptr, size_t size),
    void (*free_hook)(const volatile void* ptr));
#endif

namespace rcas::protocol::testing {

class AllocationCounter {
 public:
  // Available: the hooks are installed (once per process); false without
  // a sanitizer runtime.
  static bool Available() {
#ifdef RCAS_MALLOC_HOOKS
    static const bool installed = __sanitizer_install_malloc_and_free_hooks(OnMalloc, OnFree) != 0;
    return installed;
#else
    return false;
#endif
  }

  // Count is the number of allocations `f` made on this thread. Other threads' allocations
  // are not counted: libFuzzer's RSS monitor thread allocates now and then, and once made a
  // decode look as if it allocated.
  template <typename F>
  static size_t Count(F&& f) {
    const size_t before = count_;
    f();
    return count_ - before;
  }

 private:
#ifdef RCAS_MALLOC_HOOKS
  static void OnMalloc(const volatile void*, size_t) { ++count_; }
  static void OnFree(const volatile void*) {}
#endif
  static inline thread_local size_t count_ = 0;
};

}  // namespace rcas::protocol::testing
