// cuda/src/optim.cu: (being written)
#include "launch.hpp"
#include "mantissa/core/backend_cuda.hpp"
