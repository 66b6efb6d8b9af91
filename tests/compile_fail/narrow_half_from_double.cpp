// mistake: half(0.1): a double, rounded twice (to float, then to half) and undefined beyond float's range
// expect-first: use of deleted function .mantissa::half::half\(U\) \[with U = double\].
// expect-head: deleted
// expect-head: float only: half\(0\.1f\)
// expect-head: half::from_bits\(0x3c00\)
// expect-head: (U = double|.double. to .mantissa::half.)
// gcc-expect-head: use of deleted function .mantissa::half::half\(U\) \[with U = double\].
#include "mantissa/core/core.hpp"

using namespace mantissa;

half tenth() { return half(0.1); }
