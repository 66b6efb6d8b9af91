// mantissa/dist/nccl.hpp: the communicator over NCCL: one GPU per rank, reducing device
// (Cuda) buffers on the model's compute stream; bootstrapped through another communicator
// (MPI between processes) that carries NCCL's unique id and the host collectives.
//
//   dist::MpiCommunicator mpi;
//   cudaSetDevice(local_rank % gpus);           // before the model's context is made
//   Sequential<P, Cuda> model(...);
//   dist::NcclCommunicator nccl(mpi, model.context());
//   dist::DataParallel dp(nccl);                // averages the Cuda gradient arena
//
// Timeouts: the communicator is made non-blocking (ncclConfig_t::blocking = 0); its creation
// and every collective are polled (ncclCommGetAsyncError, then an event on the stream) until
// done or the deadline; a dead or hung peer makes this rank abort the NCCL communicator
// (ncclCommAbort) and throw DistributedError within options().timeout. A collective's wait is
// a host sync on the compute stream (the step reads its status back anyway). The buckets of
// DataParallel::backward (start_allreduce) are reduced on a side stream, each ordered after
// the backward kernels queued before it, beside those queued after; wait_pending() waits for
// them and orders the compute stream after them.
// Averages are NCCL's ncclAvg (the same bits on every rank; not necessarily the same
// rounding as the in-process and MPI communicators' sum / size). broadcast_bytes,
// allreduce_host and barrier go through the bootstrap communicator.
#pragma once

#include <memory>

#include "mantissa/core/context_cuda.hpp"
#include "mantissa/dist/communicator.hpp"

namespace mantissa::dist {

class NcclCommunicator final : public Communicator {
 public:
  // `bootstrap` spans the same ranks (rank r there is rank r here) and must outlive this.
  // Throws CudaError when no GPU is present, DistributedError when NCCL cannot start.
  NcclCommunicator(Communicator& bootstrap, Context<Cuda>& ctx, CommOptions o = {});
  ~NcclCommunicator() override;

  int rank() const noexcept override;
  int size() const noexcept override;
  Memory memory() const noexcept override { return Memory::cuda; }
  const char* name() const noexcept override { return "nccl"; }

 protected:
  void do_allreduce(std::span<const std::span<float>> buckets, Reduce op) override;
  void do_broadcast(void* data, std::size_t bytes, int root) override;
  void do_broadcast_bytes(void* data, std::size_t bytes, int root) override;
  void do_allreduce_host(double* data, std::int64_t n, Reduce op) override;
  void do_barrier() override;
  void do_start_allreduce(std::span<float> bucket, Reduce op) override;
  void do_wait_pending() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> p_;
};

}  // namespace mantissa::dist
