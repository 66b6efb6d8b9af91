// mistake: a helper returns a view of the tensor it made locally (Python: return t[0:2])
// open: a view returned out of the scope of a named tensor is C++'s dangling-reference problem (as std::string_view); not detectable by the library
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
mt::TensorView<const float> first_rows(int n) {
  auto t = mt::arange<float>(32);
  return t.view().reshape({8, 4}).slice(0, n);
}
int main() {
  auto rows = first_rows(2);
  std::cout << rows << "\n";
  return 0;
}
