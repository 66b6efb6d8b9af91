// mantissa/optim/torch_weights.hpp: a model's weights under PyTorch's names and layouts, in a
// safetensors file that `model.load_state_dict(...)` of the matching nn.Sequential takes, and
// back.
//
//   save_torch_weights("cnn.safetensors", model);   // float32 masters, PyTorch's layouts
//   load_torch_weights("cnn.safetensors", model);   // masters (and compute copies) from it
//
// Names: an nn.Sequential's, "<index>.<param>", where the index is the mantissa layer's index
// (every layer takes one, as every module does in nn.Sequential: ReLU, MaxPool2D, Flatten and
// Dropout too), after an optional prefix (TorchNames{.prefix = "features."} for a Sequential
// held as a submodule). Per layer (PyTorch's module; layouts are row-major):
//   Conv2D     -> nn.Conv2d     "i.weight" (F, C, KH, KW) from the kernel (KH, KW, C, F);
//                               "i.bias" (F)
//   Dense      -> nn.Linear     "i.weight" (U, I) from the kernel (I, U); "i.bias" (U)
//   BatchNorm  -> nn.BatchNorm2d (on images) / nn.BatchNorm1d: "i.weight" (gamma), "i.bias"
//                 (beta), "i.running_mean", "i.running_var" (C), "i.num_batches_tracked"
//                 (int64 scalar: written as 0, since mantissa counts no batches; read and
//                 checked >= 0, not kept). PyTorch's momentum is 1 - mantissa's (0.99 -> 0.01)
//                 and its eps is mantissa's epsilon (1e-3 by default, PyTorch's is 1e-5): the
//                 module must be built with both for the outputs to agree.
//   ReLU, Sigmoid, Tanh, Softmax, MaxPool2D, Flatten, Dropout: no tensors, an index each.
// Images: mantissa's activations are NHWC, PyTorch's NCHW; a rank-3 per-sample shape is an
// image (H, W, C) whose PyTorch counterpart is (C, H, W). So Flatten orders features
// (h, w, c) here and (c, h, w) there: the Dense right after a Flatten of an image has its
// input columns permuted on the way out and back (and a BatchNorm between them its features),
// so that the same input, transposed to NCHW, gives the same output in both. Padding is the
// module's business: Conv2D(k, same) with odd k and stride 1 is nn.Conv2d(padding=k // 2);
// TensorFlow's asymmetric `same` (even k, or strides) has no nn.Conv2d padding of its own.
//
// Values: float32 masters are written (a mixed policy's 16-bit compute copies are derived from
// them); a load writes the masters and refreshes the compute copies. Read: F32, F16 or BF16
// for weights (the counter I64 or I32); every value finite, running variances >= 0.
// Errors: a layer kind with no PyTorch counterpart here (a custom layer) is a ValueError
// naming it. A file whose tensors are not exactly the model's (a missing one, an extra one, one
// of another shape or dtype) is a DataError naming each and listing what the file has; the
// load is a transaction: nothing changes unless every tensor is good.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mantissa/io/safetensors.hpp"
#include "mantissa/layers/conv2d.hpp"
#include "mantissa/layers/maxpool2d.hpp"
#include "mantissa/layers/sequential.hpp"
#include "mantissa/optim/host_view.hpp"

namespace mantissa {

struct TorchNames {
  std::string prefix;  // before every name: "features." -> "features.0.weight"
};

namespace detail {
// One layer as the mapping sees it.
struct TorchLayerInfo {
  std::string kind;                                // Layer::kind()
  std::string name;                                // the model's name for it ("conv2d_1")
  std::vector<std::pair<std::string, Shape>> params;  // in the layer's order ("conv2d/kernel")
  std::vector<std::pair<std::string, Shape>> buffers;  // ("running_mean")
  Shape image;  // Conv2D, MaxPool2D: the per-sample output (OH, OW, C); else empty
};

// One tensor of the PyTorch file and where its values live in the model.
struct TorchTensor {
  enum class Source { parameter, buffer, counter };
  std::string name;   // "features.3.weight"
  std::string dtype;  // what is written: "F32", or "I64" for num_batches_tracked
  Shape shape;        // PyTorch's
  Source source;
  std::size_t index = 0;           // into the model's parameters / buffers, layer by layer
  std::vector<std::int64_t> from;  // PyTorch's flat index -> mantissa's; empty: the same
  std::string what;                // "layer 0 'conv2d' (Conv2D) kernel (3, 3, 1, 32)"
};

// The file's tensors for these layers, in layer order. ValueError for a layer kind it cannot
// map (naming the layer and the kinds it maps).
std::vector<TorchTensor> torch_plan(const Shape& input, const std::vector<TorchLayerInfo>& layers,
                                    const std::string& prefix);

// Writes every plan entry from `ours` (the mantissa-layout values, host float32; an empty view
// for a counter) in PyTorch's layout.
void write_torch_tensors(const std::filesystem::path& file, const std::vector<TorchTensor>& plan,
                         const std::vector<TensorView<const float, Cpu>>& ours);

// Every plan entry's values in mantissa's layout (a counter's: empty), all checked first:
// DataError naming each missing, extra, mis-shaped or mis-typed tensor and listing the file's.
std::vector<Tensor<float>> read_torch_tensors(const std::filesystem::path& file,
                                              const std::vector<TorchTensor>& plan);

template <Policy P, Device D>
struct TorchModelView {
  std::vector<TorchLayerInfo> layers;
  std::vector<Parameter<P, D>*> params;     // layer by layer
  std::vector<Tensor<float, D>*> buffers;   // layer by layer
};

template <Policy P, Device D>
TorchModelView<P, D> torch_model_view(Sequential<P, D>& model) {
  TorchModelView<P, D> v;
  for (std::size_t i = 0; i < model.size(); ++i) {
    auto& l = model.layer(i);
    TorchLayerInfo info{std::string(l.kind()), model.layer_name(i), {}, {}, {}};
    for (auto* p : l.parameters()) {
      info.params.emplace_back(p->name, p->shape());
      v.params.push_back(p);
    }
    for (auto& [n, t] : l.buffers()) {
      info.buffers.emplace_back(n, t->shape());
      v.buffers.push_back(t);
    }
    if (auto* c = dynamic_cast<Conv2DLayer<P, D>*>(&l)) {
      const auto& w = c->window();
      info.image = Shape{w.oh, w.ow, info.params.at(0).second[3]};
    } else if (auto* m = dynamic_cast<MaxPool2DLayer<P, D>*>(&l)) {
      const auto& w = m->window();
      info.image = Shape{w.oh, w.ow, w.c};
    }
    v.layers.push_back(std::move(info));
  }
  return v;
}
}  // namespace detail

// The names and PyTorch shapes the model's file has, in order ("0.weight" (32, 1, 3, 3), ...):
// what the nn.Sequential's state_dict() must list.
template <Policy P, Device D>
std::vector<std::pair<std::string, Shape>> torch_state_dict_names(Sequential<P, D>& model,
                                                                  const TorchNames& names = {}) {
  std::vector<std::pair<std::string, Shape>> out;
  for (auto& t : detail::torch_plan(model.input_shape(), detail::torch_model_view(model).layers,
                                    names.prefix))
    out.emplace_back(t.name, t.shape);
  return out;
}

template <Policy P, Device D>
void save_torch_weights(const std::filesystem::path& file, Sequential<P, D>& model,
                        const TorchNames& names = {}) {
  auto v = detail::torch_model_view(model);
  const auto plan = detail::torch_plan(model.input_shape(), v.layers, names.prefix);
  std::vector<Tensor<float>> keep;
  keep.reserve(plan.size());  // views into it stay valid
  std::vector<TensorView<const float, Cpu>> ours;
  for (const auto& t : plan) {
    using S = detail::TorchTensor::Source;
    if (t.source == S::parameter)
      ours.push_back(detail::host_view<D>(v.params[t.index]->master, keep));
    else if (t.source == S::buffer)
      ours.push_back(detail::host_view<D>(v.buffers[t.index]->view(), keep));
    else
      ours.emplace_back();
  }
  detail::write_torch_tensors(file, plan, ours);
}

template <Policy P, Device D>
void load_torch_weights(const std::filesystem::path& file, Sequential<P, D>& model,
                        const TorchNames& names = {}) {
  auto v = detail::torch_model_view(model);
  const auto plan = detail::torch_plan(model.input_shape(), v.layers, names.prefix);
  const auto values = detail::read_torch_tensors(file, plan);  // all checked before any change
  for (std::size_t k = 0; k < plan.size(); ++k) {
    using S = detail::TorchTensor::Source;
    if (plan[k].source == S::parameter) {
      auto* p = v.params[plan[k].index];
      copy_bytes<D, Cpu>(p->master.data(), values[k].data(), values[k].size_bytes());
      p->refresh_compute(model.context());
    } else if (plan[k].source == S::buffer) {
      copy_bytes<D, Cpu>(v.buffers[plan[k].index]->data(), values[k].data(), values[k].size_bytes());
    }
  }
}

}  // namespace mantissa
