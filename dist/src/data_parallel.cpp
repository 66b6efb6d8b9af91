// dist/src/data_parallel.cpp: DataParallel's checks, the metric reduction and the position
// mapping across world sizes.
#include "mantissa/dist/data_parallel.hpp"

#include <cmath>
#include <string>

namespace mantissa::dist {

DataParallel::DataParallel(Communicator& c, DataParallelOptions o) : c_(&c), o_(o) {
  if (o.bucket_bytes < static_cast<std::int64_t>(sizeof(float)))
    throw ValueError("DataParallel: bucket_bytes must hold at least one float32, got " +
                     std::to_string(o.bucket_bytes));
  if (o.root < 0 || o.root >= c.size())
    throw ValueError("DataParallel: root " + std::to_string(o.root) + " is not a rank of the " +
                     std::to_string(c.size()) + "-rank communicator");
}

Metrics DataParallel::reduce_metrics(double loss, double accuracy, std::int64_t count) {
  if (count < 0) throw ValueError("DataParallel::reduce_metrics: count " + std::to_string(count));
  const double n = static_cast<double>(count);
  // A rank with no samples adds nothing (its NaN mean must not reach the sums).
  double sums[3] = {count ? loss * n : 0.0, count ? accuracy * n : 0.0, n};
  c_->allreduce_host(sums, 3, Reduce::sum);
  Metrics m;
  m.count = static_cast<std::int64_t>(std::llround(sums[2]));
  m.loss = m.count ? sums[0] / sums[2] : std::nan("");
  m.accuracy = m.count ? sums[1] / sums[2] : std::nan("");
  return m;
}

std::int64_t map_batch_index(std::int64_t batch_index, Layout from, Layout to) {
  if (batch_index < 0 || from.batch < 1 || to.batch < 1 || from.world < 1 || to.world < 1)
    throw ValueError("map_batch_index: batch index " + std::to_string(batch_index) + ", from (batch " +
                     std::to_string(from.batch) + ", world " + std::to_string(from.world) + ") to (batch " +
                     std::to_string(to.batch) + ", world " + std::to_string(to.world) +
                     "): the index must be >= 0, batches and world sizes >= 1");
  const std::int64_t samples = batch_index * from.batch * from.world;
  return samples / (to.batch * to.world);
}

}  // namespace mantissa::dist
