// dist/src/nccl.cpp: NcclCommunicator. A non-blocking NCCL communicator, its collectives
// queued on the model's compute stream and polled against a deadline.
#include "mantissa/dist/nccl.hpp"

#include <cuda_runtime.h>
#include <nccl.h>

#include <thread>

namespace mantissa::dist {

namespace {
using Clock = std::chrono::steady_clock;

std::string nccl_text(ncclResult_t r) { return ncclGetErrorString(r); }
}  // namespace

struct NcclCommunicator::Impl {
  Communicator* bootstrap = nullptr;
  cudaStream_t stream = nullptr;
  ncclComm_t comm = nullptr;
  cudaEvent_t done = nullptr;
  int rank = 0, size = 1;
  // start_allreduce: buckets reduced on a stream of their own, each after the compute
  // stream's work queued before it (`ready`), so the backward kernels queued after run beside
  // them; wait_pending() marks the side stream (`side_done`) and the compute stream waits.
  cudaStream_t side = nullptr;
  cudaEvent_t ready = nullptr, side_done = nullptr;
  Clock::time_point deadline{};
  std::int64_t pending_floats = 0;
};

NcclCommunicator::NcclCommunicator(Communicator& bootstrap, Context<Cuda>& ctx, CommOptions o)
    : Communicator(o), p_(std::make_unique<Impl>()) {
  if (o.timeout.count() <= 0)
    throw ValueError("NcclCommunicator: timeout must be positive, got " +
                     std::to_string(o.timeout.count()) + " ms");
  int gpus = 0;
  if (cudaGetDeviceCount(&gpus) != cudaSuccess || gpus == 0) {
    (void)cudaGetLastError();
    throw CudaError("NcclCommunicator: no CUDA device on this machine (NCCL reduces GPU "
                    "buffers; use an MpiCommunicator for a CPU model)");
  }
  p_->bootstrap = &bootstrap;
  p_->rank = bootstrap.rank();
  p_->size = bootstrap.size();
  p_->stream = ctx.stream();
  if (cudaEventCreateWithFlags(&p_->done, cudaEventDisableTiming) != cudaSuccess)
    throw CudaError("NcclCommunicator: cudaEventCreate failed: " +
                    std::string(cudaGetErrorString(cudaGetLastError())));
  // Rank 0's unique id, everywhere, over the bootstrap communicator (its own timeout).
  ncclUniqueId id{};
  if (p_->rank == 0) {
    const auto r = ncclGetUniqueId(&id);
    if (r != ncclSuccess) throw DistributedError("NcclCommunicator: ncclGetUniqueId: " + nccl_text(r));
  }
  bootstrap.broadcast_bytes(&id, sizeof id, 0);
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;  // calls return at once; progress and errors are polled (wait())
  const auto deadline = Clock::now() + o.timeout;
  auto r = ncclCommInitRankConfig(&p_->comm, p_->size, id, p_->rank, &config);
  if (r != ncclSuccess && r != ncclInProgress)
    throw DistributedError(where("ncclCommInitRank") + nccl_text(r));
  ncclResult_t state = ncclInProgress;
  while (state == ncclInProgress) {
    r = ncclCommGetAsyncError(p_->comm, &state);
    if (r != ncclSuccess) state = r;
    if (state == ncclInProgress && Clock::now() > deadline) {
      ncclCommAbort(p_->comm);
      p_->comm = nullptr;
      throw DistributedError(where("ncclCommInitRank") + "the other ranks did not join within " +
                             std::to_string(o.timeout.count()) + " ms");
    }
    std::this_thread::yield();
  }
  if (state != ncclSuccess) {
    ncclCommAbort(p_->comm);
    p_->comm = nullptr;
    throw DistributedError(where("ncclCommInitRank") + nccl_text(state));
  }
}

NcclCommunicator::~NcclCommunicator() {
  // A broken communicator is aborted (destroying it would wait for the dead peer).
  if (p_->comm) {
    if (broken()) ncclCommAbort(p_->comm);
    else ncclCommDestroy(p_->comm);
  }
  if (p_->done) cudaEventDestroy(p_->done);
  if (p_->ready) cudaEventDestroy(p_->ready);
  if (p_->side_done) cudaEventDestroy(p_->side_done);
  if (p_->side) cudaStreamDestroy(p_->side);
}

int NcclCommunicator::rank() const noexcept { return p_->rank; }
int NcclCommunicator::size() const noexcept { return p_->size; }

namespace {
// Waits for the collectives queued since the last wait: NCCL's own errors first (a
// non-blocking communicator reports them asynchronously), then the stream's event; aborts
// the communicator on an error or at the deadline. Returns what went wrong, or "".
std::string wait(ncclComm_t comm, cudaStream_t stream, cudaEvent_t done, ncclResult_t queued,
                 Clock::time_point deadline, std::chrono::milliseconds timeout) {
  if (queued != ncclSuccess && queued != ncclInProgress) return "NCCL reported: " + nccl_text(queued);
  bool recorded = false;
  for (long spins = 0;; ++spins) {
    ncclResult_t state = ncclSuccess;
    const auto r = ncclCommGetAsyncError(comm, &state);
    if (r != ncclSuccess) return "ncclCommGetAsyncError: " + nccl_text(r);
    if (state != ncclSuccess && state != ncclInProgress) return "NCCL reported: " + nccl_text(state);
    if (state == ncclSuccess && !recorded) {
      // Every call is enqueued: mark the stream after them.
      if (cudaEventRecord(done, stream) != cudaSuccess)
        return "cudaEventRecord: " + std::string(cudaGetErrorString(cudaGetLastError()));
      recorded = true;
    }
    if (recorded) {
      const auto q = cudaEventQuery(done);
      if (q == cudaSuccess) return {};
      if (q != cudaErrorNotReady) {
        (void)cudaGetLastError();
        return "the CUDA stream failed: " + std::string(cudaGetErrorString(q));
      }
    }
    if (Clock::now() > deadline)
      return "no answer from the other ranks within " + std::to_string(timeout.count()) +
             " ms: a peer died, hung, or is still computing (raise CommOptions::timeout if a "
             "step legitimately takes longer)";
    if (spins < 2000) std::this_thread::yield();
    else std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}
}  // namespace

void NcclCommunicator::do_allreduce(std::span<const std::span<float>> buckets, Reduce op) {
  const auto deadline = Clock::now() + options().timeout;
  std::int64_t n = 0;
  ncclResult_t r = ncclGroupStart();
  for (const auto& b : buckets) {
    n += static_cast<std::int64_t>(b.size());
    if (r != ncclSuccess && r != ncclInProgress) break;
    r = ncclAllReduce(b.data(), b.data(), b.size(), ncclFloat32,
                      op == Reduce::average ? ncclAvg : ncclSum, p_->comm, p_->stream);
  }
  const auto g = ncclGroupEnd();
  if (r == ncclSuccess || r == ncclInProgress) r = g;
  if (auto e = wait(p_->comm, p_->stream, p_->done, r, deadline, options().timeout); !e.empty()) {
    ncclCommAbort(p_->comm);
    p_->comm = nullptr;
    fail(where("allreduce", n) + e);
  }
}

namespace {
std::string cuda_failed(const char* call) {
  return std::string(call) + " failed: " + cudaGetErrorString(cudaGetLastError());
}

// A non-blocking communicator's call may return ncclInProgress: the next NCCL call waits
// until it has been enqueued (ncclCommGetAsyncError leaves ncclInProgress).
std::string enqueued(ncclComm_t comm, ncclResult_t r, Clock::time_point deadline) {
  if (r != ncclSuccess && r != ncclInProgress) return "NCCL reported: " + nccl_text(r);
  for (ncclResult_t state = r; state == ncclInProgress;) {
    const auto q = ncclCommGetAsyncError(comm, &state);
    if (q != ncclSuccess) return "ncclCommGetAsyncError: " + nccl_text(q);
    if (state != ncclSuccess && state != ncclInProgress) return "NCCL reported: " + nccl_text(state);
    if (state == ncclInProgress && Clock::now() > deadline)
      return "the collective was not enqueued before the deadline";
    std::this_thread::yield();
  }
  return {};
}
}  // namespace

void NcclCommunicator::do_start_allreduce(std::span<float> bucket, Reduce op) {
  const auto n = static_cast<std::int64_t>(bucket.size());
  auto abort_with = [&](const std::string& e) {
    ncclCommAbort(p_->comm);
    p_->comm = nullptr;
    fail(where("allreduce", n) + e);
  };
  if (!p_->side) {
    if (cudaStreamCreateWithFlags(&p_->side, cudaStreamNonBlocking) != cudaSuccess)
      throw CudaError(where("allreduce", n) + cuda_failed("cudaStreamCreate"));
    if (cudaEventCreateWithFlags(&p_->ready, cudaEventDisableTiming) != cudaSuccess ||
        cudaEventCreateWithFlags(&p_->side_done, cudaEventDisableTiming) != cudaSuccess)
      throw CudaError(where("allreduce", n) + cuda_failed("cudaEventCreate"));
  }
  if (pending() == 0) {
    p_->deadline = Clock::now() + options().timeout;
    p_->pending_floats = 0;
  }
  p_->pending_floats += n;
  if (cudaEventRecord(p_->ready, p_->stream) != cudaSuccess ||
      cudaStreamWaitEvent(p_->side, p_->ready, 0) != cudaSuccess)
    abort_with(cuda_failed("ordering the bucket after the backward kernels"));
  const auto r = ncclAllReduce(bucket.data(), bucket.data(), bucket.size(), ncclFloat32,
                               op == Reduce::average ? ncclAvg : ncclSum, p_->comm, p_->side);
  if (auto e = enqueued(p_->comm, r, p_->deadline); !e.empty()) abort_with(e);
}

void NcclCommunicator::do_wait_pending() {
  auto abort_with = [&](const std::string& e) {
    ncclCommAbort(p_->comm);
    p_->comm = nullptr;
    fail(where("allreduce", p_->pending_floats) + e);
  };
  if (auto e = wait(p_->comm, p_->side, p_->side_done, ncclSuccess, p_->deadline, options().timeout);
      !e.empty())
    abort_with(e);
  // The step's next kernels (unscale, the optimizer) read the averaged arena.
  if (cudaStreamWaitEvent(p_->stream, p_->side_done, 0) != cudaSuccess)
    abort_with(cuda_failed("cudaStreamWaitEvent"));
}

void NcclCommunicator::do_broadcast(void* data, std::size_t bytes, int root) {
  const auto deadline = Clock::now() + options().timeout;
  const auto r = ncclBroadcast(data, data, bytes, ncclUint8, root, p_->comm, p_->stream);
  if (auto e = wait(p_->comm, p_->stream, p_->done, r, deadline, options().timeout); !e.empty()) {
    ncclCommAbort(p_->comm);
    p_->comm = nullptr;
    fail(where("broadcast", static_cast<std::int64_t>(bytes / sizeof(float))) + e);
  }
}

void NcclCommunicator::do_broadcast_bytes(void* data, std::size_t bytes, int root) {
  p_->bootstrap->broadcast_bytes(data, bytes, root);
}
void NcclCommunicator::do_allreduce_host(double* data, std::int64_t n, Reduce op) {
  p_->bootstrap->allreduce_host(data, n, op);
}
void NcclCommunicator::do_barrier() { p_->bootstrap->barrier(); }

}  // namespace mantissa::dist
