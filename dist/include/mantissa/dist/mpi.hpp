// mantissa/dist/mpi.hpp: the communicator over MPI (Open MPI here): one process per rank, on
// one node or many, reducing host (CPU) buffers.
//
//   int main(int argc, char** argv) {
//     dist::MpiCommunicator comm;            // MPI_Init_thread if nobody has yet
//     ...
//   }                                        // MPI_Finalize if it initialised MPI
//
// Run with `mpirun -np 2 ./train` (see dist/README.md for several nodes). MPI's errors are
// returned, not fatal (MPI_ERRORS_RETURN on the communicator it duplicates from
// MPI_COMM_WORLD), and become DistributedError naming the call and MPI's own text.
// Timeouts: every collective is nonblocking (MPI_Iallreduce, MPI_Ibcast, MPI_Ibarrier),
// polled with MPI_Test against its deadline; a peer that died or hangs makes this rank throw
// DistributedError within options().timeout. The communicator is then broken: it does not
// call MPI_Finalize (which would wait for the dead peer); the process should end (mpirun
// then ends the job), and the run resumes from its last checkpoint.
//
// Reductions are MPI_SUM over float32 (an average divides the sum by size() on every rank,
// the same rounding); Open MPI's allreduce gives every rank the same bits (each element is
// reduced once, or in the same commutative pairs, and the result distributed).
#pragma once

#include <memory>

#include "mantissa/dist/communicator.hpp"

namespace mantissa::dist {

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(CommOptions o = {});
  ~MpiCommunicator() override;

  int rank() const noexcept override;
  int size() const noexcept override;
  Memory memory() const noexcept override { return Memory::host; }
  const char* name() const noexcept override { return "mpi"; }
  // The MPI_Comm this communicator uses (a duplicate of MPI_COMM_WORLD): a `const MPI_Comm*`
  // (mpi.h stays out of this header).
  const void* native_handle() const noexcept;

 protected:
  void do_allreduce(std::span<const std::span<float>> buckets, Reduce op) override;
  void do_broadcast(void* data, std::size_t bytes, int root) override;
  void do_broadcast_bytes(void* data, std::size_t bytes, int root) override;
  void do_allreduce_host(double* data, std::int64_t n, Reduce op) override;
  void do_barrier() override;
  void do_start_allreduce(std::span<float> bucket, Reduce op) override;
  void do_progress() override;
  void do_wait_pending() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> p_;
};

// Whether MPI can be used in this process: MPI_Initialized, or the environment of an MPI
// launcher (OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK) is present.
bool launched_by_mpi() noexcept;

}  // namespace mantissa::dist
