// mistake: arithmetic on half scalars (there is none: widen to float, compute, narrow once)
// expect-head: A = (mantissa::)?half; B = (mantissa::)?half
// expect-first: use of deleted function .*operator\+.*\[with A = (mantissa::)?half; B = (mantissa::)?half\]
// gcc-expect-head: no arithmetic on half/bfloat16: float\(a\) \+ float\(b\)
#include "mantissa/core/core.hpp"

using namespace mantissa;

half add(half a, half b) { return a + b; }
