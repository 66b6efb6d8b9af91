// mistake: a helper trains a model and returns its first kernel's master view (the model dies)
// open: Parameter::master is a plain view into the model's arena (general dangling view of a named owner)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
mt::TensorView<float> trained_kernel() {
  mt::Sequential<mt::policy::float32> model({4}, mt::Seed{3}, mt::Dense(3));
  return model.parameters()[0]->master;
}
int main() {
  auto k = trained_kernel();
  std::cout << k << "\n";
  return 0;
}
