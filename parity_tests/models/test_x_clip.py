"""extra/models/x_clip.py against x-clip's CLIP with its weights, on a batch of padded texts and images: the text and image
latents, the similarity matrix, each pair's similarity and the contrastive loss, one training step's gradients (the
temperature's included), and one SGD step of the whole model. Once with x-clip's own vision transformer, once with
vit-pytorch's ViT as the image encoder (our ViT port on the tinygrad side), as x-clip's README builds it."""
import numpy as np
import pytest
import torch
from tinygrad import Tensor, nn
from extra.models.vit_pytorch import ViT
from extra.models.x_clip import CLIP, load_state_dict
from tools.parity.profile import full
from tools.workbench import import_without_torchvision

x_clip, vit_pytorch = import_without_torchvision("x_clip"), import_without_torchvision("vit_pytorch")
from vit_pytorch.extractor import Extractor  # noqa: E402

DIMS = dict(dim_text=64, dim_image=64, dim_latent=32, num_text_tokens=100, text_enc_depth=2, text_seq_len=16, text_heads=4, text_dim_head=16)
VISUAL = dict(visual_enc_depth=2, visual_heads=4, visual_dim_head=16, visual_image_size=32, visual_patch_size=8, visual_patch_dropout=0.0)
VIT = dict(image_size=32, patch_size=8, num_classes=0, dim=64, depth=2, heads=4, mlp_dim=128, dim_head=16)

class WithVit:
  """vit-pytorch's Extractor keeps the ViT as `.vit` and returns its transformer's output: the same names and call here."""
  def __init__(self, vit): self.vit = vit
  def __call__(self, image:Tensor) -> Tensor: return self.vit(image)

def models(encoder: str) -> tuple[torch.nn.Module, CLIP]:
  torch.manual_seed(0)
  if encoder == "x-clip ViT":
    ref, tiny = x_clip.CLIP(**DIMS, **VISUAL), CLIP(**DIMS, **VISUAL)
  else:
    ref = x_clip.CLIP(**DIMS, image_encoder=Extractor(vit_pytorch.ViT(**VIT), return_embeddings_only=True, detach=False))
    tiny = CLIP(**DIMS, image_encoder=WithVit(ViT(**VIT)))
  with torch.no_grad():  # gains start at 1 and the temperature at 1: move them so that a missing gain or exp shows
    for name, p in ref.named_parameters():
      if name.endswith(".g"): p.uniform_(0.5, 1.5)
    ref.temperature.fill_(0.3)
  load_state_dict(tiny, ref.state_dict())
  return ref, tiny

def batch() -> tuple[np.ndarray, np.ndarray]:
  rng = np.random.default_rng(0)
  text = rng.integers(1, 100, (4, 12))
  text[1, 8:], text[2, 3:] = 0, 0  # right padding (text_pad_id 0)
  return text, rng.standard_normal((4, 3, 32, 32), dtype=np.float32)

ENCODERS = ["x-clip ViT", full("vit-pytorch ViT")]  # the second in PARITY=full (CI runs it), for time

@pytest.mark.parametrize("encoder", ENCODERS)
def test_latents_similarity_and_loss(encoder, compare):
  ref, tiny = models(encoder)
  text, image = batch()
  tt, ti = torch.from_numpy(text), torch.from_numpy(image)
  with torch.no_grad():
    ref_text, ref_image = ref.eval()(tt, ti, return_latents=True)
    pairs = ref(tt, ti)
    loss = ref.train()(tt, ti, return_loss=True)  # x-clip computes the loss in training mode only (no dropout is on)
  got_text, got_image = tiny.latents(Tensor(text), Tensor(image))
  compare(f"x-clip/{encoder}/text latents", got_text, ref_text, atol=1e-6, rtol=1e-5)
  compare(f"x-clip/{encoder}/image latents", got_image, ref_image, atol=1e-6, rtol=1e-5)
  # x-clip's loss builds this matrix inline from the same latents: exp(temperature) * text @ image.T
  compare(f"x-clip/{encoder}/similarity matrix", tiny.similarity(Tensor(text), Tensor(image)), ref_text @ ref_image.T * ref.temperature.exp(),
          atol=1e-6, rtol=1e-5)
  compare(f"x-clip/{encoder}/pair similarity", tiny(Tensor(text), Tensor(image)), pairs, atol=1e-6, rtol=1e-5)
  compare(f"x-clip/{encoder}/loss", tiny(Tensor(text), Tensor(image), return_loss=True), loss, atol=1e-6, rtol=1e-5)

@pytest.mark.parametrize("encoder", ENCODERS)
def test_training_step_gradients(encoder, compare):
  ref, tiny = models(encoder)
  text, image = batch()
  ref.train()(torch.from_numpy(text), torch.from_numpy(image), return_loss=True).backward()
  params = nn.state.get_state_dict(tiny)
  with Tensor.train(): tiny(Tensor(text), Tensor(image), return_loss=True).backward()
  Tensor.realize(*[t.grad for t in params.values()])
  grads = dict(ref.named_parameters())
  for name, t in params.items(): compare(f"x-clip/{encoder}/grad {name}", t.grad, grads[name].grad, atol=1e-6, rtol=1e-4)

@pytest.mark.full
def test_sgd_step(compare):
  """The whole model, temperature included (a 0-d parameter), after one SGD step with momentum, against torch.optim.SGD."""
  ref, tiny = models("x-clip ViT")
  text, image = batch()
  opt = torch.optim.SGD(ref.parameters(), lr=0.5, momentum=0.9)
  ref.train()(torch.from_numpy(text), torch.from_numpy(image), return_loss=True).backward()
  opt.step()
  params = nn.state.get_state_dict(tiny)
  tiny_opt = nn.optim.SGD(list(params.values()), lr=0.5, momentum=0.9)
  with Tensor.train():
    tiny(Tensor(text), Tensor(image), return_loss=True).backward()
    tiny_opt.step()
  want = dict(ref.named_parameters())
  assert params["temperature"].shape == ()
  for name, t in params.items(): compare(f"x-clip/SGD step {name}", t, want[name], atol=1e-6, rtol=1e-5)
