// mistake: reads a CSV's labels as int64 (PyTorch's torch.long)
// expect-first: static assertion failed: mantissa::data::read_csv<L>: a label column is read as std::int32_t
#include "mantissa/mantissa.hpp"

using namespace mantissa;

std::int64_t f() {
  auto ds = data::read_csv<std::int64_t>("iris.csv", {.label = "species"});  // fix: auto ds = data::read_csv<std::int32_t>("iris.csv", {.label = "species"});
  return ds.labels.numel();
}
