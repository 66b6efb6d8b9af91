// mantissa/core/thread_start.hpp: how the library starts a thread of its own (the data
// loader's prefetch thread).
//
// std::thread reports a refusal with std::system_error (EAGAIN when a process or thread limit
// such as RLIMIT_NPROC is reached) and a lack of memory with std::bad_alloc. Neither leaves
// the library: both become a mantissa::Error, the kind for an exhausted resource, naming what
// could not start, the system's reason and the fix:
//   "ImageLoader: cannot start the prefetch thread: Resource temporarily unavailable; pass
//    prefetch = false"
#pragma once

#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "mantissa/core/error.hpp"

namespace mantissa {

// The Error for a thread that did not start: "<who>: cannot start <what>: <reason>; <fix>".
Error thread_start_error(std::string_view who, std::string_view what, std::string_view reason,
                         std::string_view fix);

template <class F>
std::thread start_thread(std::string_view who, std::string_view what, std::string_view fix,
                         F&& f) {
  try {
    return std::thread(std::forward<F>(f));
  } catch (const std::system_error& e) {
    throw thread_start_error(who, what, e.code().message(), fix);
  } catch (const std::bad_alloc&) {
    throw thread_start_error(who, what, "out of host memory", fix);
  }
}

}  // namespace mantissa
