// mantissa/core/error.hpp: the error kinds. Each names its root cause in what():
//   ShapeError     a shape that a layer or op cannot take (which layer, got, needs)
//   DataError      input data that cannot be read as typed (file:line:col: 'text' ...)
//   IoError        the file system said no (path and errno text)
//   NumericsError  a non-finite value or a value outside a dtype's range
//   CudaError      the CUDA runtime or a library failed, or CUDA is not built in
//   ValueError     an argument outside what the function takes (a split name, a fraction,
//                  a learning rate, a batch size of 0), named with the value given
//   StateError     a call out of order (backward before forward, another model's gradients)
//   DistributedError  a collective of a distributed run failed: a peer died or hung past the
//                  timeout, the transport (MPI, NCCL) reported an error, or the ranks called
//                  different collectives (which rank, which call, the fix)
// Error itself is thrown only for exhausted resources (host memory).
#pragma once

#include <stdexcept>
#include <string>

namespace mantissa {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ShapeError : public Error {
 public:
  using Error::Error;
};

class DataError : public Error {
 public:
  using Error::Error;
};

class IoError : public Error {
 public:
  using Error::Error;
};

class NumericsError : public Error {
 public:
  using Error::Error;
};

class CudaError : public Error {
 public:
  using Error::Error;
};

class ValueError : public Error {
 public:
  using Error::Error;
};

class StateError : public Error {
 public:
  using Error::Error;
};

class DistributedError : public Error {
 public:
  using Error::Error;
};

}  // namespace mantissa
