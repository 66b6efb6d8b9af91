// mantissa/dist/communicator.hpp: the collectives a data-parallel run needs, over one
// transport (MPI between processes and nodes, NCCL between GPUs, threads of one process for
// tests).
//
//   dist::MpiCommunicator comm({.timeout = std::chrono::seconds(60)});
//   comm.rank(), comm.size()
//   dist::broadcast(comm, model_arena, /*root*/ 0);        // float32, where comm.memory() is
//   dist::allreduce(comm, grads, dist::Reduce::average);   // in place, float32
//   comm.allreduce_host(sums, 3, dist::Reduce::sum);       // float64 on the host (metrics)
//   comm.barrier();
//
// Every collective is called by every rank, in the same order, with the same sizes and root.
// Each has a deadline (options().timeout from its start): a peer that died, hung or never
// called it makes every waiting rank throw DistributedError within the timeout, naming the
// call, the rank and the cause; never a silent hang. After a failed collective the
// communicator is broken: every later call throws DistributedError at once (the transport's
// state is unknown; the run must end, and the last complete checkpoint is where to resume).
//
// Float buffers live in memory(): host memory for the MPI and in-process communicators, the
// GPU for NCCL. The typed helpers below check a tensor's device against it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "mantissa/core/device.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/core/tensor.hpp"

namespace mantissa::dist {

enum class Reduce : unsigned char { sum, average };
enum class Memory : unsigned char { host, cuda };

struct CommOptions {
  // How long one collective may wait for its peers before DistributedError. A collective
  // starts when this rank calls it, so the slowest rank's compute between two collectives
  // must stay under it (30 s: a step of the reference CNN takes milliseconds; raise it for
  // large models, or for the first collective after a long evaluation on rank 0 only).
  std::chrono::milliseconds timeout{30000};
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  virtual int rank() const noexcept = 0;
  virtual int size() const noexcept = 0;
  virtual Memory memory() const noexcept = 0;
  virtual const char* name() const noexcept = 0;  // "mpi", "nccl", "in-process"
  const CommOptions& options() const noexcept { return o_; }
  // Whether an earlier collective failed (every later one throws).
  bool broken() const noexcept { return broken_; }

  // In place over n float32 values in memory(): the sum over ranks, or the sum divided by
  // size() (the same rounding on every rank: the result is bit-identical everywhere).
  void allreduce(float* data, std::int64_t n, Reduce op);
  // Several buffers at once (a model's gradient buckets): a transport that can overlaps them.
  void allreduce_buckets(std::span<const std::span<float>> buckets, Reduce op);
  // One bucket's allreduce, started now and complete after wait_pending(): data-parallel
  // backward starts each bucket of final gradients while the earlier layers still compute
  // (DataParallel::backward). Between a start and wait_pending() the bucket must not be
  // touched, and no other collective may be called; progress() lets a transport without a
  // progress thread of its own (MPI) move them on. A transport that cannot overlap reduces
  // the bucket at once (the in-process one, NCCL on the compute stream); the values are the
  // same either way. wait_pending()'s deadline is options().timeout from the first start.
  void start_allreduce(std::span<float> bucket, Reduce op);
  void progress();
  void wait_pending();
  // Collectives started and not yet waited for.
  std::int64_t pending() const noexcept { return pending_; }
  // Rank `root`'s n float32 values (in memory()) into every rank's buffer.
  void broadcast(float* data, std::int64_t n, int root);
  // Host bytes: ids, headers, a checkpoint's name.
  void broadcast_bytes(void* data, std::size_t n, int root);
  // float64 on the host: metric sums (sample counts exceed float32's 2^24).
  void allreduce_host(double* data, std::int64_t n, Reduce op);
  void barrier();

 protected:
  explicit Communicator(CommOptions o) : o_(o) {}

  virtual void do_allreduce(std::span<const std::span<float>> buckets, Reduce op) = 0;
  virtual void do_broadcast(void* data, std::size_t bytes, int root) = 0;  // memory() for floats
  virtual void do_broadcast_bytes(void* data, std::size_t bytes, int root) = 0;  // host
  virtual void do_allreduce_host(double* data, std::int64_t n, Reduce op) = 0;
  virtual void do_barrier() = 0;
  // The asynchronous allreduce; by default a bucket is reduced when it starts.
  virtual void do_start_allreduce(std::span<float> bucket, Reduce op) {
    do_allreduce({&bucket, 1}, op);
  }
  virtual void do_progress() {}
  virtual void do_wait_pending() {}

  // "mpi rank 1 of 2: allreduce of 4096 floats: " for messages.
  std::string where(const char* call, std::int64_t n = -1, const char* unit = "floats") const;
  // A collective failed: the communicator is broken from now on; throws DistributedError.
  [[noreturn]] void fail(const std::string& what);

 private:
  template <class F>
  void guarded(const char* call, std::int64_t n, const char* unit, F&& f);
  void check_root(const char* call, int root) const;
  void check_count(const char* call, std::int64_t n) const;

  void check_idle(const char* call) const;

  CommOptions o_;
  bool broken_ = false;
  std::int64_t pending_ = 0;
};

// The typed forms: the tensor's device must be where the communicator's buffers live
// (a host tensor to MPI, a Cuda tensor to NCCL); ValueError otherwise.
template <Device D>
void allreduce(Communicator& c, TensorView<float, D> t, Reduce op);
template <Device D>
void broadcast(Communicator& c, TensorView<float, D> t, int root);

namespace detail {
void check_memory(const Communicator& c, bool device_is_cpu, const char* call);
}

template <Device D>
void allreduce(Communicator& c, TensorView<float, D> t, Reduce op) {
  detail::check_memory(c, std::same_as<D, Cpu>, "allreduce");
  c.allreduce(t.data(), t.numel(), op);
}
template <Device D>
void broadcast(Communicator& c, TensorView<float, D> t, int root) {
  detail::check_memory(c, std::same_as<D, Cpu>, "broadcast");
  c.broadcast(t.data(), t.numel(), root);
}

}  // namespace mantissa::dist
