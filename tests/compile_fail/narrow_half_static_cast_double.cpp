// mistake: static_cast<half>(d) from a double variable
// expect-first: use of deleted function .mantissa::half::half\(U\) \[with U = double\].
// expect-head: deleted
// expect-head: float only: half\(0\.1f\)
// expect-head: half::from_bits\(0x3c00\)
// expect-head: (U = double|.double. to .mantissa::half.)
#include "mantissa/core/core.hpp"

using namespace mantissa;

half narrow(double d) { return static_cast<half>(d); }
