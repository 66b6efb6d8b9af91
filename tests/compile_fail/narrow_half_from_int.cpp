// mistake: half(n) from an int variable (write half(float(n)): the int -> float rounding is then visible)
// expect-first: use of deleted function .mantissa::half::half\(U\) \[with U = int\].
// expect-head: deleted
// expect-head: float only: half\(0\.1f\)
// expect-head: half::from_bits\(0x3c00\)
// expect-head: (U = int|.int. to .mantissa::half.)
#include "mantissa/core/core.hpp"

using namespace mantissa;

half of(int n) { return half(n); }
