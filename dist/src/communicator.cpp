// dist/src/communicator.cpp: the checks every transport shares (arguments, a broken
// communicator) around its collectives.
#include "mantissa/dist/communicator.hpp"

#include <new>
#include <vector>

namespace mantissa::dist {

std::string Communicator::where(const char* call, std::int64_t n, const char* unit) const {
  std::string s = std::string(name()) + " rank " + std::to_string(rank()) + " of " +
                  std::to_string(size()) + ": " + call;
  if (n >= 0) s += " of " + std::to_string(n) + " " + unit;
  return s + ": ";
}

void Communicator::fail(const std::string& what) {
  broken_ = true;
  throw DistributedError(what);
}

void Communicator::check_root(const char* call, int root) const {
  if (root < 0 || root >= size())
    throw ValueError(where(call) + "root " + std::to_string(root) + " is not a rank (0 to " +
                     std::to_string(size() - 1) + ")");
}

template <class F>
void Communicator::guarded(const char* call, std::int64_t n, const char* unit, F&& f) {
  if (broken_)
    throw DistributedError(where(call, n, unit) +
                           "an earlier collective of this communicator failed (see that "
                           "error); the run cannot continue: end it and resume from the last "
                           "checkpoint");
  try {
    f();
  } catch (const DistributedError&) {
    broken_ = true;
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(where(call, n, unit) + "out of host memory");
  }
}

void Communicator::check_count(const char* call, std::int64_t n) const {
  if (n < 0) throw ValueError(where(call) + "a negative count " + std::to_string(n));
}

// A blocking collective between a start_allreduce and wait_pending() would be matched
// against another rank's bucket: refused before anything is sent.
void Communicator::check_idle(const char* call) const {
  if (pending_ > 0)
    throw StateError(where(call) + std::to_string(pending_) +
                     " started allreduce(s) not yet waited for: call wait_pending() first");
}

void Communicator::start_allreduce(std::span<float> bucket, Reduce op) {
  const auto n = static_cast<std::int64_t>(bucket.size());
  guarded("allreduce", n, "floats", [&] { do_start_allreduce(bucket, op); });
  ++pending_;
}

void Communicator::progress() {
  if (pending_ > 0) guarded("allreduce", -1, "", [&] { do_progress(); });
}

void Communicator::wait_pending() {
  if (pending_ == 0) return;
  const auto n = pending_;
  pending_ = 0;  // waited for, or failed (the communicator is broken then)
  guarded("allreduce", n, "buckets", [&] { do_wait_pending(); });
}

void Communicator::allreduce(float* data, std::int64_t n, Reduce op) {
  check_idle("allreduce");
  check_count("allreduce", n);
  const std::span<float> one(data, static_cast<std::size_t>(n < 0 ? 0 : n));
  guarded("allreduce", n, "floats", [&] { do_allreduce({&one, 1}, op); });
}

void Communicator::allreduce_buckets(std::span<const std::span<float>> buckets, Reduce op) {
  check_idle("allreduce");
  std::int64_t n = 0;
  for (const auto& b : buckets) n += static_cast<std::int64_t>(b.size());
  guarded("allreduce", n, "floats", [&] { do_allreduce(buckets, op); });
}

void Communicator::broadcast(float* data, std::int64_t n, int root) {
  check_idle("broadcast");
  check_root("broadcast", root);
  check_count("broadcast", n);
  guarded("broadcast", n, "floats",
          [&] { do_broadcast(data, static_cast<std::size_t>(n) * sizeof(float), root); });
}

void Communicator::broadcast_bytes(void* data, std::size_t n, int root) {
  check_idle("broadcast");
  check_root("broadcast", root);
  guarded("broadcast", static_cast<std::int64_t>(n), "bytes",
          [&] { do_broadcast_bytes(data, n, root); });
}

void Communicator::allreduce_host(double* data, std::int64_t n, Reduce op) {
  check_idle("allreduce");
  check_count("allreduce", n);
  guarded("allreduce", n, "doubles", [&] { do_allreduce_host(data, n, op); });
}

void Communicator::barrier() {
  check_idle("barrier");
  guarded("barrier", -1, "", [&] { do_barrier(); });
}

namespace detail {
void check_memory(const Communicator& c, bool device_is_cpu, const char* call) {
  const bool host = c.memory() == Memory::host;
  if (host != device_is_cpu)
    throw ValueError(std::string("dist::") + call + ": the " + c.name() +
                     " communicator reduces " + (host ? "host" : "GPU") +
                     " buffers but the tensor is on the " + (device_is_cpu ? "CPU" : "GPU") +
                     (host ? "; use a NcclCommunicator for Cuda tensors, or to<Cpu>(t)"
                           : "; use an MpiCommunicator for host tensors, or to<Cuda>(t)"));
}
}  // namespace detail

}  // namespace mantissa::dist
