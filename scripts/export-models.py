#!/usr/bin/env python3
"""Exports the random-weight benchmark models (task D) to ONNX: torchvision's ResNet-18 and ViT-B/32.

Weights are random (``weights=None``) with a fixed seed, so the files cost the real compute of the
architectures without downloading anything. Each model takes ``pixel_values`` float32 [N, 3, 224, 224]
(dynamic batch axis N) and returns ``logits`` float32 [N, 1000].

Next to each ``<name>.onnx`` the script writes ``<name>.ref.json`` and ``<name>.ref.f32``: a seeded input
batch of 2 and PyTorch's logits for it (float32 little-endian: input then output), so a consumer can
check that ONNX Runtime computes the same thing. ``models.json`` records the versions and the recipe.

Needs Debian's PyTorch (``apt-get install -y python3-torchvision python3-onnx``); run it with the system
Python, which is the one those packages are installed for:

    /usr/bin/python3 scripts/export-models.py                # → bench/.media/models/
    /usr/bin/python3 scripts/export-models.py --out DIR --only resnet18 --force
"""

import argparse
import hashlib
import inspect
import json
import os
import sys
import time

RECIPE_VERSION = 2
SEED = 0
OPSET = 17  # the highest opset torch 1.13's TorchScript exporter supports
INPUT_NAME = "pixel_values"
OUTPUT_NAME = "logits"
MODELS = {
    "resnet18": "resnet18",
    "vit_b_32": "vit_b_32",
}
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", ".media", "models")


def recipe_hash(name: str) -> str:
    material = json.dumps([RECIPE_VERSION, name, SEED, OPSET, INPUT_NAME, OUTPUT_NAME])
    return hashlib.sha256(material.encode()).hexdigest()[:10]


def export(name: str, out_dir: str, force: bool) -> dict:
    import numpy as np
    import onnx
    import torch
    import torchvision

    path = os.path.join(out_dir, f"{name}.onnx")
    ref_json = os.path.join(out_dir, f"{name}.ref.json")
    ref_bin = os.path.join(out_dir, f"{name}.ref.f32")
    h = recipe_hash(name)
    if not force and os.path.exists(path) and os.path.exists(ref_json) and os.path.exists(ref_bin):
        with open(ref_json) as f:
            meta = json.load(f)
        if meta.get("recipe") == h and meta.get("bytes") == os.path.getsize(path):
            print(f"{name}: up to date ({path})", file=sys.stderr)
            return meta

    start = time.time()
    torch.manual_seed(SEED)
    model = getattr(torchvision.models, MODELS[name])(weights=None).eval()
    if name == "vit_b_32":
        # torchvision zero-initialises ViT's classifier head, so every logit would be 0: give it random
        # weights too, so the outputs (and the parity check below) mean something. Compute is unchanged.
        with torch.no_grad():
            torch.nn.init.normal_(model.heads.head.weight, std=0.02)
            torch.nn.init.normal_(model.heads.head.bias, std=0.02)
    params = sum(p.numel() for p in model.parameters())
    dummy = torch.randn(1, 3, 224, 224)
    tmp = f"{path}.{os.getpid()}.tmp"
    # Traced with autograd on: under no_grad, torch 1.13's nn.MultiheadAttention (ViT) takes its fused
    # "fast path" (aten::_native_multi_head_attention), which the ONNX exporter cannot express.
    extra = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        # torch ≥ 2.5 (e.g. on a GPU machine): keep the TorchScript exporter this script was written for.
        extra["dynamo"] = False
    torch.onnx.export(
        model,
        dummy,
        tmp,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
        opset_version=OPSET,
        do_constant_folding=True,
        **extra,
    )
    onnx.checker.check_model(tmp)
    proto = onnx.load(tmp, load_external_data=False)
    dims = [d.dim_param or d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    if dims[0] != "batch":
        raise SystemExit(f"{name}: batch axis is not dynamic in the exported graph: {dims}")

    # Reference: a seeded batch of 2 and PyTorch's logits, for an ONNX Runtime parity check.
    g = torch.Generator().manual_seed(SEED + 1)
    x = torch.randn(2, 3, 224, 224, generator=g)
    with torch.no_grad():
        y = model(x)
    with open(ref_bin, "wb") as f:
        f.write(x.numpy().astype("<f4").tobytes())
        f.write(y.numpy().astype("<f4").tobytes())
    os.replace(tmp, path)
    meta = {
        "name": name,
        "file": os.path.basename(path),
        "recipe": h,
        "bytes": os.path.getsize(path),
        "parameters": int(params),
        "opset": OPSET,
        "seed": SEED,
        "input": {"name": INPUT_NAME, "shape": ["batch", 3, 224, 224], "type": "float32"},
        "output": {"name": OUTPUT_NAME, "shape": ["batch", int(y.shape[1])], "type": "float32"},
        "reference": {
            "file": os.path.basename(ref_bin),
            "input_shape": list(x.shape),
            "output_shape": list(y.shape),
            "output_abs_max": float(np.abs(y.numpy()).max()),
        },
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnx": onnx.__version__,
    }
    with open(ref_json, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"{name}: {params / 1e6:.1f} M parameters, {meta['bytes'] / 1e6:.1f} MB, {time.time() - start:.1f} s → {path}", file=sys.stderr)
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=DEFAULT_OUT, help="output folder (default bench/.media/models)")
    parser.add_argument("--only", choices=sorted(MODELS), action="append", help="export only this model (repeatable)")
    parser.add_argument("--force", action="store_true", help="re-export even when the files are up to date")
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
        import torchvision  # noqa: F401
        import onnx  # noqa: F401
    except ImportError as err:
        raise SystemExit(
            f"{err}. Install Debian's PyTorch and run this with the system Python:\n"
            "  apt-get update && apt-get install -y python3-torchvision python3-onnx\n"
            "  /usr/bin/python3 scripts/export-models.py"
        )
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    metas = [export(name, out_dir, args.force) for name in (args.only or list(MODELS))]
    manifest = os.path.join(out_dir, "models.json")
    known = {}
    if os.path.exists(manifest):
        with open(manifest) as f:
            known = json.load(f)
    known.update({m["name"]: m for m in metas})
    with open(manifest, "w") as f:
        json.dump(known, f, indent=2)
        f.write("\n")
    print(json.dumps({m["name"]: os.path.join(out_dir, m["file"]) for m in metas}))


if __name__ == "__main__":
    main()
