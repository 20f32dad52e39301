#!/usr/bin/env python3
"""Golden values for the resampling laws, from PyTorch's F.interpolate (run by hand, not in CI).

    apt-get install -y python3-torch   # Debian bookworm: torch 1.13
    /usr/bin/python3 scripts/golden/pytorch-resampling.py

writes laws/fixtures/pytorch-resampling.json, which laws/detailflow/resampling-golden.law.ts
reads. Inputs are small and stored in the file (float32 values, exact in JSON), except for the
256-pixel images of the degradation chain: those are outer products a b^T of two stored
vectors (rounded to float32 after the product, as the law rebuilds them), and only a strided
sample of their outputs is stored, to keep the file small.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(15)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'laws', 'fixtures', 'pytorch-resampling.json')


def values(t):
    # 9 significant digits give back the same float32 (the laws round with Math.fround)
    return [float('%.9g' % v) for v in t.flatten().tolist()]


def image(c, h, w):
    return (torch.rand(1, c, h, w, dtype=torch.float32) * 2 - 1)


def case(name, mode, x, size, antialias=False):
    kwargs = {} if mode == 'area' else {'align_corners': False}
    if antialias:
        kwargs['antialias'] = True
    y = F.interpolate(x, size=size, mode=mode, **kwargs)
    return {'name': name, 'mode': mode, 'antialias': antialias, 'inShape': list(x.shape), 'input': values(x),
            'outShape': list(y.shape), 'output': values(y)}


cases = []
# area (adaptive average pooling) including sizes that do not divide: the bins overlap
for (h, w), (oh, ow) in [((28, 28), (9, 9)), ((32, 32), (10, 10)), ((48, 48), (13, 13)), ((32, 32), (16, 16)),
                         ((256, 2), (223, 2)), ((7, 5), (3, 2)), ((6, 6), (1, 1))]:
    cases.append(case(f'area {h}x{w} -> {oh}x{ow}', 'area', image(1 if h * w > 500 else 2, h, w), (oh, ow)))
# bicubic (a = -0.75, align_corners = False, border-clamped): upsampling as the degradation does,
# downsampling and a single output as edge cases of the source-coordinate rule
for (h, w), (oh, ow) in [((9, 9), (28, 28)), ((10, 10), (32, 32)), ((13, 13), (16, 16)), ((223, 2), (224, 2)),
                         ((1, 1), (16, 16)), ((3, 4), (7, 9)), ((28, 28), (9, 9)), ((5, 5), (1, 1))]:
    cases.append(case(f'bicubic {h}x{w} -> {oh}x{ow}', 'bicubic', image(2 if h * w < 200 else 1, h, w), (oh, ow)))
# antialiased bilinear, as CustomSiglip.resize_positional_embeddings resizes the learned position grids
for g, sides in [(8, range(1, 9)), (16, [1, 2, 3, 5, 7, 9, 13, 15]), (4, [7])]:
    x = image(2, g, g)
    for s in sides:
        cases.append(case(f'bilinear-antialias {g}x{g} -> {s}x{s}', 'bilinear', x, (s, s), antialias=True))

# The reference's degradation target at H = 256, N = 128, alpha = 1.5, P = 16 (reference 3):
# area to R(t), then bicubic to dec(t) = 16 ceil(R / 16); t = 1: 1 -> 16, t = 16: 44 -> 48, t = 96: 223 -> 224.
a = torch.rand(256, dtype=torch.float32) * 2 - 1
b = torch.rand(256, dtype=torch.float32) * 2 - 1
x = (a[:, None] * b[None, :]).reshape(1, 1, 256, 256)
chains = []
for t, r, dec in [(1, 1, 16), (16, 44, 48), (96, 223, 224)]:
    y = F.interpolate(x, size=(r, r), mode='area')
    y = F.interpolate(y, size=(dec, dec), mode='bicubic', align_corners=False)
    flat = y.flatten()
    stride = max(1, flat.numel() // 300)
    idx = list(range(0, flat.numel(), stride))
    chains.append({'t': t, 'R': r, 'dec': dec, 'indices': idx, 'output': values(flat[idx])})

doc = {
    'about': 'F.interpolate golden values written by scripts/golden/pytorch-resampling.py; do not edit by hand',
    'torch': torch.__version__,
    'cases': cases,
    'degradation': {'size': 256, 'tokens': 128, 'alpha': 1.5, 'patch': 16, 'a': values(a), 'b': values(b), 'chains': chains},
}
with open(OUT, 'w') as f:
    json.dump(doc, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {os.path.normpath(OUT)}: {len(cases)} cases, {len(chains)} degradation chains, torch {torch.__version__}')
assert all(math.isfinite(v) for c in cases for v in c['output'])
