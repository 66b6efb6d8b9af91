// mistake: half('a'): a char
// expect-first: use of deleted function .mantissa::half::half\(U\) \[with U = char\].
// expect-head: deleted
// expect-head: float only: half\(0\.1f\)
// expect-head: half::from_bits\(0x3c00\)
// expect-head: (U = char|.char. to .mantissa::half.)
#include "mantissa/core/core.hpp"

using namespace mantissa;

half letter() { return half('a'); }
