// mistake: none: the positive control of narrow_full_int32_3e9f.cpp, one line changed (2000000000))
// expect-success
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<std::int32_t> big() { return full<std::int32_t>(Shape{4}, 2000000000); }
