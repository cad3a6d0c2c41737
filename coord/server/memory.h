// Giving freed memory back to the operating system, whichever allocator the process runs on.
//
// coordd links jemalloc (coord/server/CMakeLists.txt says why); tests and sanitizer builds run on
// glibc's malloc. Recovery allocates and frees a whole snapshot's worth of temporary memory, which
// either allocator would otherwise keep (jemalloc for its decay time, glibc in its free lists).
#pragma once

namespace coord::server {

// Returns freed memory to the system: jemalloc's purge of every arena when jemalloc is the
// allocator, malloc_trim(0) otherwise.
void ReleaseFreeMemory();

// "jemalloc" or "glibc": for the startup log and srvr/mntr.
const char* AllocatorName();

}  // namespace coord::server
