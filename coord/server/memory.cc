#include "coord/server/memory.h"

#include <malloc.h>

#include <cstddef>

// jemalloc's control interface, resolved only when jemalloc is linked into the binary (coordd);
// a weak declaration leaves it null elsewhere instead of pulling jemalloc into every test.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace coord::server {

namespace {
// jemalloc's MALLCTL_ARENAS_ALL: "arena.4096.purge" purges every arena.
constexpr const char* kPurgeAllArenas = "arena.4096.purge";
}  // namespace

void ReleaseFreeMemory() {
  if (mallctl != nullptr) {
    mallctl(kPurgeAllArenas, nullptr, nullptr, nullptr, 0);
    return;
  }
  malloc_trim(0);
}

const char* AllocatorName() { return mallctl != nullptr ? "jemalloc" : "glibc"; }

}  // namespace coord::server
