// mistake: half(7u) from an unsigned int
// expect-first: use of deleted function .mantissa::half::half\(U\) \[with U = unsigned
// expect-head: deleted
// expect-head: float only: half\(0\.1f\)
// expect-head: half::from_bits\(0x3c00\)
// expect-head: (U = unsigned int|.unsigned int. to .mantissa::half.)
#include "mantissa/core/core.hpp"

using namespace mantissa;

half seven() { return half(7u); }
