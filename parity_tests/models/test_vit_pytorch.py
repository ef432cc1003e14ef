"""extra/models/vit_pytorch.py against vit-pytorch's ViT and SimpleViT (small configs, weights copied): the logits, and for
ViT one training step's loss and gradients."""
import numpy as np
import pytest
import torch
from tinygrad import Tensor, nn
from extra.models.torch_weights import load_torch_state_dict
from extra.models.vit_pytorch import SimpleViT, ViT
from tools.workbench import import_vit_pytorch

vit_pytorch = import_vit_pytorch()

CONFIG = dict(image_size=32, patch_size=8, num_classes=10, dim=64, depth=2, heads=4, mlp_dim=128, dim_head=16)
MODELS = {"ViT cls": (vit_pytorch.ViT, ViT, {}), "ViT mean, 1 head of dim": (vit_pytorch.ViT, ViT, dict(pool="mean", heads=1, dim_head=64)),
          "SimpleViT": (vit_pytorch.SimpleViT, SimpleViT, {})}

@pytest.mark.parametrize("model", MODELS)
def test_forward(model, compare):
  ref_cls, tiny_cls, extra = MODELS[model]
  torch.manual_seed(0)
  ref, tiny = ref_cls(**CONFIG | extra).eval(), tiny_cls(**CONFIG | extra)
  load_torch_state_dict(tiny, ref.state_dict())
  img = np.random.default_rng(0).standard_normal((3, 3, 32, 32), dtype=np.float32)
  compare(f"{model}/logits", tiny(Tensor(img)), ref(torch.from_numpy(img)), atol=1e-4, rtol=1e-4)

def test_training_step(compare):
  torch.manual_seed(0)
  ref, tiny = vit_pytorch.ViT(**CONFIG), ViT(**CONFIG)
  load_torch_state_dict(tiny, ref.state_dict())
  rng = np.random.default_rng(1)
  img, labels = rng.standard_normal((4, 3, 32, 32), dtype=np.float32), rng.integers(0, 10, 4)
  want = torch.nn.functional.cross_entropy(ref(torch.from_numpy(img)), torch.from_numpy(labels))
  want.backward()
  params = nn.state.get_state_dict(tiny)
  with Tensor.train():
    got = tiny(Tensor(img)).sparse_categorical_crossentropy(Tensor(labels))
    got.backward()
  Tensor.realize(got, *[t.grad for t in params.values()])
  compare("ViT/loss", got, want, atol=1e-5, rtol=1e-5)
  grads = dict(ref.named_parameters())
  for name, t in params.items(): compare(f"ViT/grad {name}", t.grad, grads[name].grad, atol=1e-4, rtol=1e-3)
