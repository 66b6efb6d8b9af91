// dist/src/mpi.cpp: MpiCommunicator. Nonblocking collectives polled against a deadline, so
// that a dead or hung peer is an error within the timeout, not a hang in MPI_Allreduce.
#include "mantissa/dist/mpi.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <thread>
#include <vector>

namespace mantissa::dist {

namespace {

using Clock = std::chrono::steady_clock;

std::string mpi_text(int rc) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(rc);
  return std::string(text, static_cast<std::size_t>(len));
}

// MPI is initialised once per process (it cannot be initialised twice) and finalised at exit
// unless a collective failed: MPI_Finalize would then wait for the dead peer.
struct Runtime {
  bool owns = false;
  bool poisoned = false;
  static Runtime& get() {
    static Runtime r;
    return r;
  }
  void init() {
    int ready = 0, done = 0;
    MPI_Initialized(&ready);
    MPI_Finalized(&done);
    if (done)
      throw StateError("MpiCommunicator: MPI was already finalised in this process; make one "
                       "communicator for the whole run (MPI cannot start twice)");
    if (ready) return;
    int provided = 0;
    // FUNNELED: only the thread that made the communicator calls MPI (the loader's prefetch
    // thread never does).
    const int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS)
      throw DistributedError("MpiCommunicator: MPI_Init_thread failed: " + mpi_text(rc));
    owns = true;
  }
  ~Runtime() {
    int done = 0;
    MPI_Finalized(&done);
    if (owns && !poisoned && !done) MPI_Finalize();
  }
};

}  // namespace

struct MpiCommunicator::Impl {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0, size = 1;
  // Started buckets (start_allreduce): their requests, which of them to average, and the
  // deadline counted from the first start.
  std::vector<MPI_Request> pending;
  std::vector<std::span<float>> to_average;
  Clock::time_point deadline{};
  std::int64_t pending_floats = 0;
};

bool launched_by_mpi() noexcept {
  int ready = 0;
  MPI_Initialized(&ready);
  return ready || std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") ||
         std::getenv("PMIX_RANK");
}

MpiCommunicator::MpiCommunicator(CommOptions o) : Communicator(o), p_(std::make_unique<Impl>()) {
  if (o.timeout.count() <= 0)
    throw ValueError("MpiCommunicator: timeout must be positive, got " +
                     std::to_string(o.timeout.count()) + " ms");
  Runtime::get().init();
  // Errors come back as codes (and become DistributedError) instead of aborting the job.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rc = MPI_Comm_dup(MPI_COMM_WORLD, &p_->comm);
  if (rc != MPI_SUCCESS) throw DistributedError("MpiCommunicator: MPI_Comm_dup failed: " + mpi_text(rc));
  MPI_Comm_set_errhandler(p_->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(p_->comm, &p_->rank);
  MPI_Comm_size(p_->comm, &p_->size);
}

MpiCommunicator::~MpiCommunicator() {
  if (broken() || !p_->pending.empty()) {
    Runtime::get().poisoned = true;  // freeing the communicator could wait for the dead peer
    return;
  }
  int done = 0;
  MPI_Finalized(&done);
  if (!done && p_->comm != MPI_COMM_NULL) MPI_Comm_free(&p_->comm);
}

int MpiCommunicator::rank() const noexcept { return p_->rank; }
int MpiCommunicator::size() const noexcept { return p_->size; }
const void* MpiCommunicator::native_handle() const noexcept { return &p_->comm; }

namespace {
// Waits for every request, polling MPI_Test (which also drives MPI's progress) until the
// deadline; returns an empty string, or what went wrong.
std::string wait_all(std::vector<MPI_Request>& reqs, Clock::time_point deadline,
                     std::chrono::milliseconds timeout) {
  for (long spins = 0;; ++spins) {
    int flag = 0;
    const int rc = MPI_Testall(static_cast<int>(reqs.size()), reqs.data(), &flag, MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS) return "MPI reported: " + mpi_text(rc);
    if (flag) return {};
    if (Clock::now() > deadline)
      return "no answer from the other ranks within " + std::to_string(timeout.count()) +
             " ms: a peer died, hung, or is still computing (raise CommOptions::timeout if a "
             "step legitimately takes longer)";
    // Spin briefly (a step's collective usually completes in microseconds), then back off so
    // a long wait does not take a core from the ranks sharing it.
    if (spins < 2000) std::this_thread::yield();
    else std::this_thread::sleep_for(std::chrono::microseconds(spins < 20000 ? 50 : 1000));
  }
}

constexpr std::size_t kMaxCount = INT_MAX / 2;  // MPI counts are int: big buffers in pieces
}  // namespace

void MpiCommunicator::do_allreduce(std::span<const std::span<float>> buckets, Reduce op) {
  const auto deadline = Clock::now() + options().timeout;
  std::int64_t n = 0;
  std::vector<MPI_Request> reqs;
  for (const auto& b : buckets) {
    n += static_cast<std::int64_t>(b.size());
    for (std::size_t at = 0; at < b.size(); at += kMaxCount) {
      const auto count = static_cast<int>(std::min(kMaxCount, b.size() - at));
      MPI_Request r;
      const int rc = MPI_Iallreduce(MPI_IN_PLACE, b.data() + at, count, MPI_FLOAT, MPI_SUM, p_->comm, &r);
      if (rc != MPI_SUCCESS) fail(where("allreduce", n) + "MPI_Iallreduce: " + mpi_text(rc));
      reqs.push_back(r);
    }
  }
  if (auto e = wait_all(reqs, deadline, options().timeout); !e.empty()) fail(where("allreduce", n) + e);
  if (op == Reduce::average) {
    const auto w = static_cast<float>(p_->size);
    for (const auto& b : buckets)
      for (auto& v : b) v /= w;
  }
}

void MpiCommunicator::do_start_allreduce(std::span<float> bucket, Reduce op) {
  if (p_->pending.empty()) {
    p_->deadline = Clock::now() + options().timeout;
    p_->pending_floats = 0;
  }
  p_->pending_floats += static_cast<std::int64_t>(bucket.size());
  for (std::size_t at = 0; at < bucket.size(); at += kMaxCount) {
    const auto count = static_cast<int>(std::min(kMaxCount, bucket.size() - at));
    MPI_Request r;
    const int rc =
        MPI_Iallreduce(MPI_IN_PLACE, bucket.data() + at, count, MPI_FLOAT, MPI_SUM, p_->comm, &r);
    if (rc != MPI_SUCCESS)
      fail(where("allreduce", static_cast<std::int64_t>(bucket.size())) + "MPI_Iallreduce: " +
           mpi_text(rc));
    p_->pending.push_back(r);
  }
  if (op == Reduce::average) p_->to_average.push_back(bucket);
}

// Open MPI moves nonblocking collectives on only inside MPI calls: one test per layer of the
// backward pass keeps the started buckets flowing while the layers compute.
void MpiCommunicator::do_progress() {
  if (p_->pending.empty()) return;
  int flag = 0;
  const int rc = MPI_Testall(static_cast<int>(p_->pending.size()), p_->pending.data(), &flag,
                             MPI_STATUSES_IGNORE);
  if (rc != MPI_SUCCESS)
    fail(where("allreduce", p_->pending_floats) + "MPI reported: " + mpi_text(rc));
}

void MpiCommunicator::do_wait_pending() {
  auto reqs = std::move(p_->pending);
  auto avg = std::move(p_->to_average);
  p_->pending.clear();
  p_->to_average.clear();
  if (auto e = wait_all(reqs, p_->deadline, options().timeout); !e.empty())
    fail(where("allreduce", p_->pending_floats) + e);
  const auto w = static_cast<float>(p_->size);
  for (const auto& b : avg)
    for (auto& v : b) v /= w;
}

void MpiCommunicator::do_broadcast(void* data, std::size_t bytes, int root) {
  do_broadcast_bytes(data, bytes, root);
}

void MpiCommunicator::do_broadcast_bytes(void* data, std::size_t bytes, int root) {
  const auto deadline = Clock::now() + options().timeout;
  std::vector<MPI_Request> reqs;
  auto* p = static_cast<char*>(data);
  for (std::size_t at = 0; at < bytes; at += kMaxCount) {
    MPI_Request r;
    const int rc = MPI_Ibcast(p + at, static_cast<int>(std::min(kMaxCount, bytes - at)), MPI_BYTE,
                              root, p_->comm, &r);
    if (rc != MPI_SUCCESS)
      fail(where("broadcast", static_cast<std::int64_t>(bytes), "bytes") + "MPI_Ibcast: " + mpi_text(rc));
    reqs.push_back(r);
  }
  if (auto e = wait_all(reqs, deadline, options().timeout); !e.empty())
    fail(where("broadcast", static_cast<std::int64_t>(bytes), "bytes") + e);
}

void MpiCommunicator::do_allreduce_host(double* data, std::int64_t n, Reduce op) {
  const auto deadline = Clock::now() + options().timeout;
  if (static_cast<std::size_t>(n) > kMaxCount)
    throw ValueError(where("allreduce", n, "doubles") + "more than " + std::to_string(kMaxCount) +
                     " values in one call");
  std::vector<MPI_Request> reqs(1);
  const int rc = MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(n), MPI_DOUBLE, MPI_SUM, p_->comm, reqs.data());
  if (rc != MPI_SUCCESS) fail(where("allreduce", n, "doubles") + "MPI_Iallreduce: " + mpi_text(rc));
  if (auto e = wait_all(reqs, deadline, options().timeout); !e.empty())
    fail(where("allreduce", n, "doubles") + e);
  if (op == Reduce::average)
    for (std::int64_t i = 0; i < n; ++i) data[i] /= p_->size;
}

void MpiCommunicator::do_barrier() {
  const auto deadline = Clock::now() + options().timeout;
  std::vector<MPI_Request> reqs(1);
  const int rc = MPI_Ibarrier(p_->comm, reqs.data());
  if (rc != MPI_SUCCESS) fail(where("barrier") + "MPI_Ibarrier: " + mpi_text(rc));
  if (auto e = wait_all(reqs, deadline, options().timeout); !e.empty()) fail(where("barrier") + e);
}

}  // namespace mantissa::dist
