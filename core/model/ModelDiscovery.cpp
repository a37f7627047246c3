// SPDX-License-Identifier: GPL-3.0-or-later
// Finding the penultimate features of a TorchScript classifier in its graph (see internal/TorchModel.h).
#include "model/internal/TorchModel.h"

#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>

#include <algorithm>
#include <deque>
#include <unordered_set>
#include <vector>

namespace oodlens::internal {
namespace {

using torch::jit::Block;
using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

const c10::Symbol kLinear = c10::Symbol::fromQualString("aten::linear");
const c10::Symbol kAddmm = c10::Symbol::fromQualString("aten::addmm");
const c10::Symbol kMatmul = c10::Symbol::fromQualString("aten::matmul");
const c10::Symbol kMm = c10::Symbol::fromQualString("aten::mm");
const c10::Symbol kAdd = c10::Symbol::fromQualString("aten::add");
const c10::Symbol kAddInplace = c10::Symbol::fromQualString("aten::add_");
const c10::Symbol kGetAttr = c10::Symbol::fromQualString("prim::GetAttr");
const c10::Symbol kParam = c10::Symbol::fromQualString("prim::Param");
const c10::Symbol kName = c10::Symbol::attr("name");

bool isLinearKind(const Node* n)
{
    const c10::Symbol k = n->kind();
    return k == kLinear || k == kAddmm || k == kMatmul || k == kMm;
}

bool isTensor(const Value* v)
{
    return v->type()->isSubtypeOf(*c10::TensorType::get());
}

bool isModule(const Value* v)
{
    const auto cls = v->type()->cast<c10::ClassType>();
    return cls && cls->is_module();
}

// The attribute path of v when it is self.a.b.c (a chain of prim::GetAttr from the graph's first input).
bool attributePath(const Value* v, const Value* self, std::vector<std::string>& path)
{
    std::deque<std::string> parts;
    while (v != self) {
        if (v->node()->kind() != kGetAttr)
            return false;
        parts.push_front(v->node()->s(kName));
        v = v->node()->input(0);
    }
    path.assign(parts.begin(), parts.end());
    return true;
}

std::string joined(const std::vector<std::string>& path)
{
    std::string out;
    for (const std::string& p : path)
        out += (out.empty() ? "" : ".") + p;
    return out;
}

void collectNodes(Block* block, std::vector<Node*>& out)
{
    for (Node* n : block->nodes()) {
        out.push_back(n);
        for (Block* b : n->blocks())
            collectNodes(b, out);
    }
}

bool containsLinear(Node* n)
{
    std::vector<Node*> inner;
    for (Block* b : n->blocks())
        collectNodes(b, inner);
    for (const Node* i : inner)
        if (isLinearKind(i))
            return true;
    return false;
}

// Eval mode is fixed for the whole session: replace every `module.training` read by its value so that
// constant propagation can drop the training-only branches (and any head hidden behind one).
void freezeTrainingFlags(Graph& graph, const torch::jit::Module& module)
{
    Value* self = graph.inputs()[0];
    std::vector<Node*> nodes;
    collectNodes(graph.block(), nodes);
    for (Node* n : nodes) {
        if (n->kind() != kGetAttr || n->s(kName) != "training" || !isModule(n->input(0)))
            continue;
        std::vector<std::string> path;
        if (!attributePath(n->input(0), self, path))
            continue;
        c10::IValue object = module._ivalue();
        bool ok = true;
        for (const std::string& p : path) {
            if (!object.isObject() || !object.toObjectRef().type()->hasAttribute(p)) {
                ok = false;
                break;
            }
            object = object.toObjectRef().getAttr(p);
        }
        if (!ok || !object.isObject() || !object.toObjectRef().type()->hasAttribute("training"))
            continue;
        const c10::IValue flag = object.toObjectRef().getAttr("training");
        if (!flag.isBool())
            continue;
        torch::jit::WithInsertPoint guard(n);
        n->output()->replaceAllUsesWith(graph.insertConstant(flag.toBool()));
    }
}

// Every node whose result the graph's outputs depend on (through inputs and the values used inside blocks).
std::unordered_set<const Node*> ancestorsOfOutputs(Graph& graph)
{
    std::unordered_set<const Node*> seen;
    std::vector<Value*> todo(graph.outputs().begin(), graph.outputs().end());
    while (!todo.empty()) {
        Value* v = todo.back();
        todo.pop_back();
        Node* n = v->node();
        if (n->kind() == kParam || !seen.insert(n).second)
            continue;
        for (Value* in : n->inputs())
            todo.push_back(in);
        std::vector<Node*> inner;
        for (Block* b : n->blocks()) {
            collectNodes(b, inner);
            for (Value* out : b->outputs())
                todo.push_back(out);
        }
        for (Node* i : inner)
            for (Value* in : i->inputs())
                todo.push_back(in);
    }
    return seen;
}

struct LinearMatch {
    Value* input = nullptr;
    Value* weight = nullptr;
    Value* bias = nullptr;
    bool transposed = false;
    std::string op;
};

bool isNone(const Value* v)
{
    return v->type()->kind() == c10::TypeKind::NoneType;
}

bool matchLinear(Node* n, LinearMatch& m)
{
    if (n->kind() == kLinear) {
        m = {n->input(0), n->input(1), isNone(n->input(2)) ? nullptr : n->input(2), false, "aten::linear"};
        return true;
    }
    if (n->kind() == kAddmm && n->inputs().size() >= 3) {
        m = {n->input(1), n->input(2), n->input(0), true, "aten::addmm"};
        return true;
    }
    if (n->kind() == kMatmul || n->kind() == kMm) {
        m = {n->input(0), n->input(1), nullptr, true, n->kind().toQualString()};
        // A bias added right after: matmul(h, W^T) + b (old traced F.linear, hand-written heads).
        const auto& uses = n->output()->uses();
        if (uses.size() == 1) {
            Node* add = uses[0].user;
            if ((add->kind() == kAdd || add->kind() == kAddInplace) && add->inputs().size() == 3 &&
                isTensor(add->input(0)) && isTensor(add->input(1))) {
                const auto alpha = torch::jit::toIValue(add->input(2));
                if (alpha &&
                    ((alpha->isInt() && alpha->toInt() == 1) || (alpha->isDouble() && alpha->toDouble() == 1.0))) {
                    m.bias = add->input(0) == n->output() ? add->input(1) : add->input(0);
                    m.op += std::string(" + ") + add->kind().toQualString();
                }
            }
        }
        return true;
    }
    return false;
}

// Follows transposes back to the stored weight, for naming it.
const Value* storedWeight(const Value* v)
{
    static const std::vector<c10::Symbol> passThrough = {
        c10::Symbol::fromQualString("aten::t"),          c10::Symbol::fromQualString("aten::transpose"),
        c10::Symbol::fromQualString("aten::permute"),    c10::Symbol::fromQualString("aten::numpy_T"),
        c10::Symbol::fromQualString("aten::contiguous"), c10::Symbol::fromQualString("aten::detach")};
    while (std::find(passThrough.begin(), passThrough.end(), v->node()->kind()) != passThrough.end())
        v = v->node()->input(0);
    return v;
}

bool tapGraph(const torch::jit::Module& module, LinearTap& tap, std::string& why)
{
    const auto method = module.find_method("forward");
    if (!method) {
        why = "the model has no forward method";
        return false;
    }
    std::shared_ptr<Graph> graph = method->graph()->copy();
    if (graph->inputs().size() < 2 || !isModule(graph->inputs()[0])) {
        why = "forward takes no input";
        return false;
    }
    // forward(x, flag=default, ...): the engine always calls forward(x), so the defaults become constants.
    const auto& arguments = method->function().getSchema().arguments();
    for (std::size_t i = graph->inputs().size(); i-- > 2;) {
        if (i >= arguments.size() || !arguments[i].default_value()) {
            why = "forward takes more than one input without a default value";
            return false;
        }
        torch::jit::WithInsertPoint guard(graph->nodes().front());
        graph->inputs()[i]->replaceAllUsesWith(graph->insertConstant(*arguments[i].default_value()));
        graph->eraseInput(i);
    }
    torch::jit::Inline(*graph);
    freezeTrainingFlags(*graph, module);
    torch::jit::ConstantPropagation(graph);
    torch::jit::EliminateDeadCode(graph);
    if (graph->outputs().size() != 1 || !isTensor(graph->outputs()[0])) {
        why = "forward does not return a single tensor";
        return false;
    }

    const auto ancestors = ancestorsOfOutputs(*graph);
    std::vector<Node*> topLevel(graph->nodes().begin(), graph->nodes().end());
    LinearMatch match;
    bool found = false;
    for (auto it = topLevel.rbegin(); it != topLevel.rend() && !found; ++it) {
        Node* n = *it;
        if (!ancestors.count(n))
            continue;
        if (matchLinear(n, match)) {
            found = true;
        } else if (containsLinear(n)) {
            why = "the last linear operation that feeds forward's output sits inside control flow (" +
                  std::string(n->kind().toQualString()) + ") that eval mode does not remove";
            return false;
        }
    }
    if (!found) {
        why = "no linear operation (aten::linear, aten::addmm or aten::matmul) feeds the output of forward";
        return false;
    }
    if (!isTensor(match.input) || !isTensor(match.weight) ||
        (match.bias && !isTensor(match.bias) && !match.bias->type()->isSubtypeOf(*c10::OptionalType::ofTensor()))) {
        why = "the last linear operation in forward (" + match.op + ") does not take tensors";
        return false;
    }

    Value* self = graph->inputs()[0];
    std::vector<std::string> path;
    const Value* stored = storedWeight(match.weight);
    tap.weightConstant = stored->node()->kind() == c10::prim::Constant;
    if (attributePath(stored, self, path))
        tap.weightPath = joined(path);
    tap.op = match.op;
    tap.weightTransposed = match.transposed;
    tap.hasBias = match.bias != nullptr;

    // forward's graph now returns (output, h, weight[, bias]); the extra outputs are references, not copies.
    std::vector<Value*> outputs = {graph->outputs()[0], match.input, match.weight};
    if (match.bias)
        outputs.push_back(match.bias);
    {
        torch::jit::WithInsertPoint guard(graph->return_node());
        Node* tuple = graph->insertNode(graph->createTuple(outputs));
        graph->eraseOutput(0);
        graph->registerOutput(tuple->output());
    }
    graph->lint();
    tap.function = std::make_shared<torch::jit::GraphFunction>(c10::QualifiedName("oodlens.forward_with_features"),
                                                               graph, nullptr);
    return true;
}

} // namespace

bool tapLastLinear(const torch::jit::Module& module, LinearTap& tap, std::string& why)
{
    try {
        return tapGraph(module, tap, why);
    } catch (const c10::Error& e) {
        why = "cannot analyse the TorchScript graph of forward (" + internal::torchMessage(e) + ")";
    } catch (const std::exception& e) {
        why = "cannot analyse the TorchScript graph of forward (" + internal::torchMessage(e) + ")";
    }
    return false;
}

TapResult runTap(const LinearTap& tap, const torch::jit::Module& module, const at::Tensor& x)
{
    torch::jit::Stack stack{c10::IValue(module._ivalue()), x};
    tap.function->run(stack);
    const auto out = stack.back().toTuple();
    const auto& e = out->elements();
    TapResult r;
    r.output = e[0].toTensor();
    r.features = e[1].toTensor();
    r.weight = tap.weightTransposed ? e[2].toTensor().t() : e[2].toTensor();
    if (tap.hasBias && e.size() > 3 && e[3].isTensor())
        r.bias = e[3].toTensor();
    return r;
}

} // namespace oodlens::internal
