// cuda/emulation/handles.hpp: the emulated libraries' handles: opaque blocks the double hands
// out and remembers, so that a call with a handle never created, or destroyed, fails as it
// would with the real library.
#pragma once

#include <cstdlib>
#include <mutex>
#include <set>

namespace mantissa::emulation {

class HandleRegistry {
 public:
  void* create() {
    const std::scoped_lock lock(mutex_);
    void* h = std::malloc(64);
    live_.insert(h);
    return h;
  }
  bool destroy(void* h) {
    const std::scoped_lock lock(mutex_);
    if (!live_.erase(h)) return false;
    std::free(h);
    return true;
  }
  bool live(const void* h) {
    const std::scoped_lock lock(mutex_);
    return live_.count(const_cast<void*>(h)) != 0;
  }

 private:
  std::mutex mutex_;
  std::set<void*> live_;
};

}  // namespace mantissa::emulation
