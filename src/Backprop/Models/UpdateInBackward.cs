using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Models;

/// <summary>
/// Asked by a model's backward pass, just before it computes the gradient of weight matrix <paramref name="name"/>:
/// a sink that updates <paramref name="w"/> tile by tile from the gradient plus <c>reg·w</c> as the product produces
/// it, or null to have the gradient stored as usual. PyTorch's "optimizer step in backward", at tile granularity.
/// </summary>
internal delegate IGemmTileSink<T>? UpdateInBackward<T>(string name, NDArray<T> w, T reg) where T : unmanaged, IFloatingPointIeee754<T>;
