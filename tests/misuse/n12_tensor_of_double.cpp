// mistake: declares a Tensor<double>
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::Tensor<double> acc({4});
  return acc.rank();
}
