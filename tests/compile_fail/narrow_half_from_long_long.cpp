// mistake: half(n) from a long long (a count, an index)
// expect-first: use of deleted function .mantissa::half::half\(U\) \[with U = long long
// expect-head: deleted
// expect-head: float only: half\(0\.1f\)
// expect-head: half::from_bits\(0x3c00\)
// expect-head: (U = long long int|.long long. to .mantissa::half.)
#include "mantissa/core/core.hpp"

using namespace mantissa;

half of(long long n) { return half(n); }
