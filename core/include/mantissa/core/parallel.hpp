// mantissa/core/parallel.hpp: the CPU kernels' own thread pool, made for a shared machine.
//
//   parallel_for(n, grain, [&](std::int64_t begin, std::int64_t end) { ... });
//
// runs the body over [0, n) cut into chunks of `grain` indices (the last one shorter), on up
// to num_threads() threads, the caller included. Chunks are handed out one at a time, so a
// thread that another process slows down (a busy core) takes fewer of them and does not
// stall the others; and a thread that waits for work spins only briefly (tens of
// microseconds), then sleeps in the kernel (a futex), leaving its core to whoever needs it.
// OpenMP's default, by contrast, splits work statically and spins for milliseconds, which is
// what made training 5-6x slower when another process kept one of two cores busy.
//
// The chunk boundaries depend on n and grain only, never on the thread count or on which
// thread ran which chunk: a kernel that writes each chunk's partial result to its own slot
// and combines the slots in order gives the same bits at any thread count.
//
// The body must not throw across threads silently: an exception in any chunk is rethrown in
// the caller after every started chunk has finished (the first one, if several throw).
// Called from inside a chunk (nested), or while another thread is using the pool, the loop
// runs on the calling thread alone. Thread count: num_threads() (threads.hpp), per calling
// thread, as ThreadScope sets it.
#pragma once

#include <cstdint>
#include <type_traits>

namespace mantissa {

namespace detail {
using ChunkFn = void (*)(void* body, std::int64_t begin, std::int64_t end);
void parallel_chunks(std::int64_t n, std::int64_t grain, ChunkFn fn, void* body);
}  // namespace detail

template <class F>
void parallel_for(std::int64_t n, std::int64_t grain, F&& body) {
  static_assert(std::is_invocable_v<F&, std::int64_t, std::int64_t>,
                "mantissa::parallel_for: the body is called as body(begin, end)");
  using B = std::remove_reference_t<F>;
  detail::parallel_chunks(
      n, grain,
      [](void* b, std::int64_t begin, std::int64_t end) { (*static_cast<B*>(b))(begin, end); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

// The grain of a loop over n items of about `per_item` elementary operations each: chunks of
// about 16K operations (small enough that a slowed thread holds up little, large enough that
// handing one out costs nothing in comparison), or the whole loop in one chunk (run on the
// calling thread) when it is at most `serial_below` operations.
constexpr std::int64_t grain_for(std::int64_t n, std::int64_t per_item,
                                 std::int64_t serial_below = std::int64_t{1} << 16) {
  per_item = per_item < 1 ? 1 : per_item;
  if (n * per_item <= serial_below) return n < 1 ? 1 : n;
  const std::int64_t g = (std::int64_t{1} << 14) / per_item;
  return g < 1 ? 1 : g;
}

// The pool's own counters, for tests and benchmarks: jobs run on the pool, and jobs run
// inline (nested, the pool busy, one thread, or a single chunk).
struct ParallelStats {
  std::int64_t pooled = 0, inline_runs = 0;
};
ParallelStats parallel_stats() noexcept;

}  // namespace mantissa
