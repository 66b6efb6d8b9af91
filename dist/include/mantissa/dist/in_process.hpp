// mantissa/dist/in_process.hpp: a communicator whose ranks are threads of one process, for
// unit tests of data-parallel code without MPI (and as the reference the other transports
// are checked against).
//
//   dist::InProcessGroup group(2, {.timeout = std::chrono::milliseconds(500)});
//   auto errors = group.run([&](dist::Communicator& comm) { ...one rank's work... });
//
// Reductions add the ranks' buffers in rank order (0 + 1 + ... in float32), then divide by
// the size for an average: every rank gets the same bits. A rank that never joins a
// collective (it returned, threw, or hangs) makes the others throw DistributedError after
// the timeout, naming the ranks that did not arrive; ranks calling different collectives (or
// the same with other sizes or roots) all throw DistributedError naming both calls.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include "mantissa/dist/communicator.hpp"

namespace mantissa::dist {

namespace detail {
struct InProcessState;
}

class InProcessGroup {
 public:
  explicit InProcessGroup(int world, CommOptions o = {});
  ~InProcessGroup();
  InProcessGroup(const InProcessGroup&) = delete;
  InProcessGroup& operator=(const InProcessGroup&) = delete;

  int size() const noexcept { return static_cast<int>(comms_.size()); }
  // Rank r's communicator: used by one thread at a time.
  Communicator& operator[](int rank);

  // Runs f(communicator of rank r) on one thread per rank and joins them all; returns what
  // each rank threw (null where it returned).
  std::vector<std::exception_ptr> run(const std::function<void(Communicator&)>& f);

 private:
  std::shared_ptr<detail::InProcessState> state_;
  std::vector<std::unique_ptr<Communicator>> comms_;
};

}  // namespace mantissa::dist
