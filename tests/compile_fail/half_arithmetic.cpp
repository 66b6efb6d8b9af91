// mistake: arithmetic on half scalars (there is none: widen to float, compute, narrow once)
// expect-head: .mantissa::half. and .mantissa::half.
// gcc-expect-head: no match for .operator\+. \(operand types are .mantissa::half. and .mantissa::half.\)
#include "mantissa/core/core.hpp"

using namespace mantissa;

half add(half a, half b) { return a + b; }
