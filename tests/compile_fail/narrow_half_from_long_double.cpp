// mistake: half(1.0L): a long double
// expect-first: use of deleted function .mantissa::half::half\(U\) \[with U = long
// expect-head: deleted
// expect-head: float only: half\(0\.1f\)
// expect-head: half::from_bits\(0x3c00\)
// expect-head: (U = long double|.long double. to .mantissa::half.)
#include "mantissa/core/core.hpp"

using namespace mantissa;

half one() { return half(1.0L); }
