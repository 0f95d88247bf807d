# Derives, independently of amctkit, the facts ModelZooTest checks on the real zoo models: file size, layers by
# type as AMCT would see them, the first and last layer's name, stored weight shape and weight sum, and how many
# groups of layers have outputs that meet in an Add (through channel-preserving ops: residual couplings).
# Run with Debian's python3-onnx and numpy on the files amctkit fetched (default cache ~/.cache/amctkit):
#   /usr/bin/python3 make_zoo_expected.py [CACHE_DIR]  > zoo_expected.json
import json, os, re, sys
import numpy as np
import onnx
from onnx import numpy_helper

ZOO = {
    "minilm": "minilm/all-minilm-l6-v2.onnx",
    "paddleocr-det": "paddleocr-det/ch_PP-OCRv4_det_infer.onnx",
    "paddleocr-rec": "paddleocr-rec/ch_PP-OCRv4_rec_infer.onnx",
    "paddleocr-cls": "paddleocr-cls/ch_ppocr_mobile_v2.0_cls_infer.onnx",
    "openwakeword": "openwakeword/hello_deepa.onnx",
    "silero-vad": "silero-vad/silero_vad_legacy.onnx",
}


def nodes_inlined(graph):
    """Every node, subgraph bodies (If, Loop) right after the node that owns them; initializers of all levels."""
    nodes, inits = [], list(graph.initializer)
    for n in graph.node:
        nodes.append(n)
        for a in n.attribute:
            subs = ([a.g] if a.HasField("g") else []) + list(a.graphs)
            for g in subs:
                sub_nodes, sub_inits = nodes_inlined(g)
                nodes += sub_nodes
                inits += sub_inits
    return nodes, inits


def constants(nodes, inits):
    out = {t.name: t for t in inits}
    for n in nodes:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    out[n.output[0]] = a.t
        elif n.op_type == "Identity" and n.input and n.input[0] in out:
            out[n.output[0]] = out[n.input[0]]
    return out


def attr(n, name, default):
    for a in n.attribute:
        if a.name == name:
            return a.i
    return default


def module_name(node, weight_name):
    m = re.fullmatch(r"(.+)\.(weight|weight_ih_l\d+(_reverse)?)", weight_name)
    if m:
        return m.group(1)
    if node.name.startswith("/"):
        parts = node.name[1:].split("/")[:-1]
        if parts and all(parts):
            path = []
            for p in parts:
                if path and p.startswith(path[-1] + "."):
                    path.pop()
                path.append(p)
            return ".".join(path)
    m = re.fullmatch(r"([A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*)\.w_\d+", weight_name)
    if m:
        return weight_name[:weight_name.rfind(".")]
    return node.name or (node.op_type + ":" + node.output[0])


def layers(model):
    nodes, inits = nodes_inlined(model.graph)
    const = constants(nodes, inits)
    seen, out = set(), []
    for n in nodes:
        if n.domain not in ("", "ai.onnx"):
            continue
        w = n.input[1] if len(n.input) > 1 else ""
        t = const.get(w)
        if t is None or t.data_type not in (1, 10, 16, 11):
            continue
        rank = len(t.dims)
        if n.op_type in ("Conv", "ConvTranspose") and 3 <= rank <= 5:
            kind = ("Conv" if n.op_type == "Conv" else "ConvTranspose") + "%dd" % (rank - 2)
        elif n.op_type == "Gemm" and rank == 2 and attr(n, "transA", 0) == 0:
            kind = "Linear"
        elif n.op_type == "MatMul" and rank == 2:
            kind = "Linear"
        elif n.op_type in ("LSTM", "GRU") and rank == 3 and len(n.input) > 2 and n.input[2] in const:
            kind = n.op_type
        else:
            continue
        if w in seen:
            continue      # one module called twice is one layer
        seen.add(w)
        out.append((module_name(n, w), kind, w, t))
    return out


PRESERVING = {"Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Clip", "Elu", "Selu",
              "Softplus", "Gelu", "Erf", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "Identity",
              "Dropout", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Pad", "Resize", "Upsample", "Add",
              "Sub", "Mul", "Div", "Cast"}


def add_couplings(model, ls):
    nodes, inits = nodes_inlined(model.graph)
    const = constants(nodes, inits)
    producer = {o: n for n in nodes for o in n.output if o}
    layer_of = {}
    for n in nodes:
        w = n.input[1] if len(n.input) > 1 else ""
        for name, _, weight, _ in ls:
            if weight == w and n.output and n.output[0] not in layer_of and not any(v == name for v in layer_of.values()):
                layer_of[n.output[0]] = name
    memo = {}

    def nearest(t, depth=0):
        if t in memo:
            return memo[t]
        memo[t] = set()
        if not t or t in const or t not in producer:
            return set()
        if t in layer_of:
            memo[t] = {layer_of[t]}
            return memo[t]
        n = producer[t]
        if n.op_type not in PRESERVING:
            return set()
        found = set()
        for i in n.input:
            found |= nearest(i)
        memo[t] = found
        return found

    parent = {}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for n in nodes:
        if n.op_type != "Add":
            continue
        sides = [s for s in (nearest(i) for i in n.input if i and i not in const) if s]
        if len(sides) < 2:
            continue
        members = sorted(set().union(*sides))
        for m in members:
            parent.setdefault(m, m)
        root = find(members[0])
        for m in members[1:]:
            r = find(m)
            if r != root:
                parent[r] = root
    return len({find(x) for x in parent})


def facts(path):
    model = onnx.load(path)
    ls = layers(model)
    counts = {}
    for _, kind, _, _ in ls:
        counts[kind] = counts.get(kind, 0) + 1

    def describe(layer):
        name, _, w, t = layer
        values = numpy_helper.to_array(t).astype(np.float32)
        return {"name": name, "weight": w, "shape": list(t.dims), "sum": float(values.astype(np.float64).sum())}

    return {"bytes": os.path.getsize(path), "counts": dict(sorted(counts.items())), "first": describe(ls[0]),
            "last": describe(ls[-1]), "add_couplings": add_couplings(model, ls)}


if __name__ == "__main__":
    cache = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/amctkit")
    print(json.dumps({i: facts(os.path.join(cache, "models", f)) for i, f in ZOO.items()}, indent=1, sort_keys=True))
