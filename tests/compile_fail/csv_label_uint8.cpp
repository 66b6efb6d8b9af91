// mistake: reads a CSV's class labels as uint8 (they fit in a byte, as the IDX labels do)
// expect-first: static assertion failed: mantissa::data::read_csv<L>: a label column is read as std::int32_t
// expect-head: float \(regression or 0/1 targets\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;

std::int64_t f() {
  auto ds = data::read_csv<std::uint8_t>("iris.csv", {.label = "species"});  // fix: auto ds = data::read_csv<std::int32_t>("iris.csv", {.label = "species"});
  return ds.labels.numel();
}
