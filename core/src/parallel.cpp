// core/src/parallel.cpp: the thread pool behind parallel_for (parallel.hpp).
//
// One job at a time: the caller publishes it (current_, then a new generation that wakes the
// workers), takes chunks itself, waits until every chunk has finished, withdraws the job and
// waits until no worker still holds it (inside_: a worker counts itself in before it reads
// current_, so one that arrives late finds either this job, finished, or none). Waiting
// spins for kSpin, then sleeps on the atomic (futex on Linux).
#include "mantissa/core/parallel.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "mantissa/core/error.hpp"
#include "mantissa/core/threads.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MANTISSA_CPU_RELAX() _mm_pause()
#else
#define MANTISSA_CPU_RELAX() std::this_thread::yield()
#endif

namespace mantissa {

namespace {

using Clock = std::chrono::steady_clock;
// How long a waiting thread spins before it sleeps: long enough to catch the next kernel of
// a step (they follow each other within microseconds), short enough that a thread that has
// nothing to do leaves its core to another process within a scheduler tick.
constexpr auto kSpin = std::chrono::microseconds(50);

// Spins until pred() or kSpin has passed; returns pred().
template <class Pred>
bool spin_until(Pred pred) {
  const auto until = Clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (pred()) return true;
    if ((i & 63) == 63 && Clock::now() > until) return pred();
    MANTISSA_CPU_RELAX();
  }
}

struct Job {
  detail::ChunkFn fn;
  void* body;
  std::int64_t n, grain, chunks;
  int workers;  // pool workers that may join (besides the caller)
  std::atomic<std::int64_t> next{0}, finished{0};
  std::mutex error_m;
  std::exception_ptr error;
};

thread_local bool tl_in_chunk = false;

void run_chunks(Job& j) {
  tl_in_chunk = true;
  for (std::int64_t c; (c = j.next.fetch_add(1, std::memory_order_relaxed)) < j.chunks;) {
    const std::int64_t begin = c * j.grain, end = std::min(j.n, begin + j.grain);
    try {
      j.fn(j.body, begin, end);
    } catch (...) {
      std::lock_guard lock(j.error_m);
      if (!j.error) j.error = std::current_exception();
    }
    if (j.finished.fetch_add(1, std::memory_order_acq_rel) + 1 == j.chunks) j.finished.notify_all();
  }
  tl_in_chunk = false;
}

class Pool {
 public:
  static Pool& get() {
    static Pool* p = new Pool;  // never destroyed: a kernel may run during static destruction
    return *p;
  }

  // Runs the job with up to `workers` pool threads besides the caller; false (nothing run)
  // when another thread is using the pool.
  bool try_run(Job& j) {
    std::unique_lock lock(busy_, std::try_to_lock);
    if (!lock.owns_lock() || forked_.load()) return false;
    grow(j.workers);
    j.workers = std::min(j.workers, static_cast<int>(threads_.size()));
    if (j.workers == 0) return false;
    current_.store(&j, std::memory_order_seq_cst);
    generation_.fetch_add(1, std::memory_order_seq_cst);
    generation_.notify_all();
    run_chunks(j);
    auto done = [&] { return j.finished.load(std::memory_order_acquire) >= j.chunks; };
    if (!spin_until(done))
      for (auto f = j.finished.load(std::memory_order_acquire); f < j.chunks;
           f = j.finished.load(std::memory_order_acquire))
        j.finished.wait(f, std::memory_order_acquire);
    current_.store(nullptr, std::memory_order_seq_cst);
    while (inside_.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
    ++pooled_;
    return true;
  }

  void count_inline() { inline_.fetch_add(1, std::memory_order_relaxed); }
  ParallelStats stats() const { return {pooled_.load(), inline_.load()}; }
  void after_fork_in_child() { forked_.store(true); }  // the workers did not survive the fork

 private:
  Pool() {
    pthread_atfork(nullptr, nullptr, [] { Pool::get().after_fork_in_child(); });
  }

  // Starts workers until there are `want`; a thread that cannot start leaves the pool
  // smaller (the job still runs, on fewer threads).
  void grow(int want) {
    while (static_cast<int>(threads_.size()) < want) {
      const int index = static_cast<int>(threads_.size());
      try {
        // The generation before this job's: a thread that starts after the job is published
        // must still see it as new.
        const std::uint32_t before = generation_.load(std::memory_order_acquire);
        threads_.emplace_back([this, index, before] { work(index, before); });
      } catch (const std::system_error&) {
        return;
      }
    }
  }

  void work(int index, std::uint32_t seen) {
    for (;;) {
      if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; }))
        generation_.wait(seen, std::memory_order_acquire);
      seen = generation_.load(std::memory_order_acquire);
      inside_.fetch_add(1, std::memory_order_seq_cst);
      Job* j = current_.load(std::memory_order_seq_cst);
      if (j && index < j->workers) run_chunks(*j);
      inside_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  std::mutex busy_;  // held by the thread whose job runs
  std::vector<std::thread> threads_;
  std::atomic<std::uint32_t> generation_{0};
  std::atomic<Job*> current_{nullptr};
  std::atomic<int> inside_{0};
  std::atomic<bool> forked_{false};
  std::atomic<std::int64_t> pooled_{0}, inline_{0};
};

}  // namespace

namespace detail {

void parallel_chunks(std::int64_t n, std::int64_t grain, ChunkFn fn, void* body) {
  if (n <= 0) return;
  if (grain < 1) throw ValueError("parallel_for: grain must be >= 1, got " + std::to_string(grain));
  const std::int64_t chunks = (n + grain - 1) / grain;
  const int threads = num_threads();
  Job j{fn, body, n, grain, chunks, static_cast<int>(std::min<std::int64_t>(threads, chunks)) - 1, {}, {}, {}, {}};
  auto& pool = Pool::get();
  if (tl_in_chunk || j.workers < 1 || !pool.try_run(j)) {
    pool.count_inline();
    for (std::int64_t c = 0; c < chunks; ++c) fn(body, c * grain, std::min(n, (c + 1) * grain));
    return;
  }
  if (j.error) std::rethrow_exception(j.error);
}

}  // namespace detail

ParallelStats parallel_stats() noexcept { return Pool::get().stats(); }

}  // namespace mantissa
