// mistake: half{0x3c00} meant as the bit pattern of 1.0: an int is a value, 15360
// expect-first: use of deleted function .mantissa::half::half\(U\) \[with U = int\].
// expect-head: deleted
// expect-head: float only: half\(0\.1f\)
// expect-head: half::from_bits\(0x3c00\)
// expect-head: (U = int|half<int>)
#include "mantissa/core/core.hpp"

using namespace mantissa;

half one() { return half{0x3c00}; }
