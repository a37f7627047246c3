// SPDX-License-Identifier: GPL-3.0-or-later
// Internal to core: includes LibTorch. Only core's .cpp files may include it; never a public header
// and never Qt code (Qt and torch headers clash).
#pragma once
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/script.h>

#include <memory>
#include <string>

namespace oodlens::internal {

// `forward` rewritten to also hand back the input of its last linear operation: the penultimate
// features h of any model whose logits are W h + b, whatever the head is called and however the
// model was exported (scripted or traced), without running the network twice.
struct LinearTap {
    // (self, x) -> (forward's output, h, weight operand[, bias]); a rewritten copy of forward's graph.
    std::shared_ptr<torch::jit::GraphFunction> function;
    std::string op;                // "aten::linear", "aten::addmm", "aten::matmul + aten::add", ...
    std::string weightPath;        // dotted attribute path of the weight ("classifier.3.weight"), empty when the
                                   // weight is not read from a module attribute
    bool weightConstant = false;   // the weight is a graph constant (torch.jit.freeze; saved files keep no name)
    bool weightTransposed = false; // the operand is W^T ([D, C]), as for addmm(b, h, W.t()) and h @ W^T
    bool hasBias = false;
};

// Finds the last linear operation (aten::linear, aten::addmm, aten::mm / aten::matmul optionally
// followed by aten::add of a bias) that feeds the output of `module.forward`, after inlining every
// call and folding what eval mode makes constant (`self.training`, default arguments such as timm's
// pre_logits=False). Returns false with the reason in `why` when there is none it can use.
bool tapLastLinear(const torch::jit::Module& module, LinearTap& tap, std::string& why);

struct TapResult {
    at::Tensor output;   // what forward returns
    at::Tensor features; // the linear op's input
    at::Tensor weight;   // [C, D] (transposed back when the op used W^T)
    at::Tensor bias;     // [C], undefined when the op has none
};
TapResult runTap(const LinearTap& tap, const torch::jit::Module& module, const at::Tensor& x);

// The whole message of an exception thrown by LibTorch or by the model's own code (a TorchScript
// `raise`), without LibTorch's C++ backtrace. The TorchScript interpreter's messages start with a
// fixed sentence and end with the model's own words ("builtins.RuntimeError: ..."): that last
// line is put first, so that a one-line summary shows it, and the traceback follows in full.
inline std::string torchMessage(const std::exception& e)
{
    const auto* c10 = dynamic_cast<const c10::Error*>(&e);
    std::string text = c10 ? c10->what_without_backtrace() : e.what();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
        text.pop_back();
    const std::string interpreter = "The following operation failed in the TorchScript interpreter.";
    if (text.rfind(interpreter, 0) != 0)
        return text;
    const std::size_t lastLine = text.rfind('\n');
    if (lastLine == std::string::npos)
        return text;
    return text.substr(lastLine + 1) + "\n" + text;
}

// The README section every discovery error points to.
inline const char* compatibilityHint()
{
    return "see the README section \"Making any model compatible\"";
}

} // namespace oodlens::internal
