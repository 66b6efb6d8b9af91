// mistake: arithmetic on half scalars (there is none: widen to float, compute, narrow once)
// expect-head: no match for .operator\+. \(operand types are .mantissa::half. and .mantissa::half.\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;

half add(half a, half b) { return a + b; }
