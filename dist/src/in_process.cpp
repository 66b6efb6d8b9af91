// dist/src/in_process.cpp: ranks as threads. Each collective is two rendezvous: after the
// first every rank's buffer is published and unchanged, so each rank reads them all (in
// rank order); after the second no rank reads any more, so each writes its own result.
#include "mantissa/dist/in_process.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace mantissa::dist {

namespace detail {

struct Call {
  const char* what = "";
  std::int64_t count = 0;
  int root = -1;
  Reduce op = Reduce::sum;
  std::span<const std::span<float>> buckets;  // allreduce
  void* bytes = nullptr;                      // broadcast
  double* doubles = nullptr;                  // allreduce_host
  friend bool same(const Call& a, const Call& b) {
    return std::strcmp(a.what, b.what) == 0 && a.count == b.count && a.root == b.root &&
           a.op == b.op && a.buckets.size() == b.buckets.size();
  }
};

struct InProcessState {
  explicit InProcessState(int w) : world(w), entered(static_cast<std::size_t>(w)), calls(static_cast<std::size_t>(w)) {}
  int world;
  std::mutex m;
  std::condition_variable cv;
  std::int64_t generation = 0;  // rendezvous completed so far
  int arrived = 0;
  std::vector<std::int64_t> entered;  // rendezvous each rank has entered
  std::vector<Call> calls;            // each rank's current collective
  bool broken = false;
  std::string why;
};

}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;

std::string describe(const detail::Call& c) {
  std::string s = c.what;
  if (c.count >= 0) s += " of " + std::to_string(c.count);
  if (c.root >= 0) s += " from root " + std::to_string(c.root);
  return s;
}

class InProcessCommunicator final : public Communicator {
 public:
  InProcessCommunicator(std::shared_ptr<detail::InProcessState> s, int rank, CommOptions o)
      : Communicator(o), s_(std::move(s)), rank_(rank) {}
  int rank() const noexcept override { return rank_; }
  int size() const noexcept override { return s_->world; }
  Memory memory() const noexcept override { return Memory::host; }
  const char* name() const noexcept override { return "in-process"; }

 protected:
  void do_allreduce(std::span<const std::span<float>> buckets, Reduce op) override {
    std::int64_t n = 0;
    for (const auto& b : buckets) n += static_cast<std::int64_t>(b.size());
    detail::Call c{.what = "allreduce", .count = n, .op = op, .buckets = buckets};
    std::vector<float> acc;
    collective(c, [&] {
      acc.reserve(static_cast<std::size_t>(n));
      for (std::size_t k = 0; k < buckets.size(); ++k) {
        const std::size_t at = acc.size();
        const auto& first = s_->calls[0].buckets[k];
        acc.insert(acc.end(), first.begin(), first.end());
        for (int r = 1; r < s_->world; ++r) {
          const auto& other = s_->calls[static_cast<std::size_t>(r)].buckets[k];
          if (other.size() != first.size())
            throw DistributedError(where("allreduce", n) + "rank " + std::to_string(r) +
                                   "'s bucket " + std::to_string(k) + " holds " +
                                   std::to_string(other.size()) + " floats, rank 0's " +
                                   std::to_string(first.size()));
          for (std::size_t i = 0; i < other.size(); ++i) acc[at + i] += other[i];
        }
      }
      if (op == Reduce::average)
        for (auto& v : acc) v /= static_cast<float>(s_->world);
    }, [&] {
      std::size_t at = 0;
      for (const auto& b : buckets) {
        std::copy_n(acc.begin() + static_cast<std::ptrdiff_t>(at), b.size(), b.begin());
        at += b.size();
      }
    });
  }
  void do_broadcast(void* data, std::size_t bytes, int root) override {
    broadcast_impl("broadcast", data, bytes, root);
  }
  void do_broadcast_bytes(void* data, std::size_t bytes, int root) override {
    broadcast_impl("broadcast bytes", data, bytes, root);
  }
  void do_allreduce_host(double* data, std::int64_t n, Reduce op) override {
    detail::Call c{.what = "allreduce_host", .count = n, .op = op, .buckets = {}, .doubles = data};
    std::vector<double> acc(data, data + n);
    collective(c, [&] {
      std::copy_n(s_->calls[0].doubles, n, acc.begin());
      for (int r = 1; r < s_->world; ++r)
        for (std::int64_t i = 0; i < n; ++i) acc[static_cast<std::size_t>(i)] += s_->calls[static_cast<std::size_t>(r)].doubles[i];
      if (op == Reduce::average)
        for (auto& v : acc) v /= s_->world;
    }, [&] { std::copy(acc.begin(), acc.end(), data); });
  }
  void do_barrier() override {
    detail::Call c;
    c.what = "barrier";
    c.count = -1;
    collective(c, [] {}, [] {});
  }

 private:
  void broadcast_impl(const char* what, void* data, std::size_t bytes, int root) {
    detail::Call c{.what = what, .count = static_cast<std::int64_t>(bytes), .root = root, .buckets = {}, .bytes = data};
    collective(c, [&] {
      if (rank_ != root && bytes) std::memcpy(data, s_->calls[static_cast<std::size_t>(root)].bytes, bytes);
    }, [] {});
  }

  // Publish this rank's call, meet, read (`gather`), meet, write (`scatter`).
  template <class Gather, class Scatter>
  void collective(const detail::Call& c, Gather&& gather, Scatter&& scatter) {
    const auto deadline = Clock::now() + options().timeout;
    {
      std::lock_guard l(s_->m);
      s_->calls[static_cast<std::size_t>(rank_)] = c;
    }
    meet(c, deadline);
    for (int r = 0; r < s_->world; ++r) {
      const auto& other = s_->calls[static_cast<std::size_t>(r)];
      if (!same(other, c)) {
        {
          std::lock_guard l(s_->m);
          s_->broken = true;
          s_->why = "the ranks called different collectives";
        }
        throw DistributedError(where(c.what) + "rank " + std::to_string(r) + " called " +
                               describe(other) + " while this rank called " + describe(c) +
                               "; every rank must call the same collectives in the same order");
      }
    }
    gather();
    meet(c, deadline);
    scatter();
  }

  // A rendezvous of all ranks, or DistributedError by the deadline.
  void meet(const detail::Call& c, Clock::time_point deadline) {
    auto& s = *s_;
    std::unique_lock l(s.m);
    if (s.broken) throw DistributedError(where(c.what) + "the group is broken: " + s.why);
    const auto mine = ++s.entered[static_cast<std::size_t>(rank_)];
    const auto gen = s.generation;
    if (++s.arrived == s.world) {
      s.arrived = 0;
      ++s.generation;
      s.cv.notify_all();
      return;
    }
    if (s.cv.wait_until(l, deadline, [&] { return s.generation != gen || s.broken; })) {
      if (s.generation != gen) return;
      throw DistributedError(where(c.what) + "the group is broken: " + s.why);
    }
    std::string missing;
    for (int r = 0; r < s.world; ++r)
      if (s.entered[static_cast<std::size_t>(r)] < mine)
        missing += (missing.empty() ? "" : ", ") + std::to_string(r);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(options().timeout).count();
    s.broken = true;
    s.why = "rank(s) " + missing + " did not join a collective within " + std::to_string(ms) + " ms";
    s.cv.notify_all();
    throw DistributedError(where(c.what, c.count) + "rank(s) " + missing + " did not join within " +
                           std::to_string(ms) +
                           " ms (dead, hung, or still computing: raise CommOptions::timeout if "
                           "a step legitimately takes longer)");
  }

  std::shared_ptr<detail::InProcessState> s_;
  int rank_;
};

}  // namespace

InProcessGroup::InProcessGroup(int world, CommOptions o) {
  if (world < 1) throw ValueError("InProcessGroup: world size must be >= 1, got " + std::to_string(world));
  if (o.timeout.count() <= 0)
    throw ValueError("InProcessGroup: timeout must be positive, got " + std::to_string(o.timeout.count()) + " ms");
  state_ = std::make_shared<detail::InProcessState>(world);
  for (int r = 0; r < world; ++r) comms_.push_back(std::make_unique<InProcessCommunicator>(state_, r, o));
}

InProcessGroup::~InProcessGroup() = default;

Communicator& InProcessGroup::operator[](int rank) {
  if (rank < 0 || rank >= size())
    throw ValueError("InProcessGroup: rank " + std::to_string(rank) + " of " + std::to_string(size()));
  return *comms_[static_cast<std::size_t>(rank)];
}

std::vector<std::exception_ptr> InProcessGroup::run(const std::function<void(Communicator&)>& f) {
  std::vector<std::exception_ptr> errors(comms_.size());
  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < comms_.size(); ++r)
    threads.emplace_back([&, r] {
      try {
        f(*comms_[r]);
      } catch (...) {
        errors[r] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  return errors;
}

}  // namespace mantissa::dist
