"""Matrix products: matmul, dot, einsum, linear; decompositions where a sign-free quantity can be compared."""
import torch
import torch.nn.functional as F
from tinygrad import Tensor
from tools.parity.inputs import A, S
from tools.parity.opinfo import Op

MATMUL_SAMPLES = [S(A((3, 4)), A((4, 5))), S(A((2, 3, 4)), A((4, 5))), S(A((2, 1, 3, 4)), A((3, 4, 2))), S(A((4,)), A((4, 5))), S(A((3, 4)), A((4,))),
                  S(A((4,)), A((4,))), S(A((3, 0)), A((0, 5))), S(A((0, 4)), A((4, 5))), S(A((4, 3), view="T"), A((5, 4), view="T")),
                  S(A((3, 4), "int32", -5, 5), A((4, 5), "int32", -5, 5)), S(A((3, 4), "float16"), A((4, 5), "float16")),
                  S(A((3, 4)), A((5, 5)), name="mismatch")]

OPS = [
  Op("matmul", "linalg", lambda x, y: x.matmul(y), torch.matmul, MATMUL_SAMPLES, covers=("__matmul__", "__rmatmul__")),
  Op("dot", "linalg", lambda x, y: x.dot(y), lambda x, y: torch.matmul(x, y), MATMUL_SAMPLES[:6]),
  Op("einsum", "linalg", Tensor.einsum, torch.einsum,
     [S("ij,jk->ik", A((3, 4)), A((4, 5))), S("bij,bjk->bik", A((2, 3, 4)), A((2, 4, 5))), S("ii->i", A((4, 4))), S("ij->", A((3, 4))),
      S("i,j->ij", A((3,)), A((4,))), S("ij->ji", A((3, 4))), S("...j,j->...", A((2, 3, 4)), A((4,))), S("ij,ij->i", A((3, 4)), A((3, 4)))]),
  # tinygrad's weight is (in, out); torch's is (out, in)
  Op("linear", "linalg", lambda x, w, b=None: x.linear(w, b), lambda x, w, b=None: F.linear(x, w.T if w.ndim == 2 else torch.diag(w), b),
     [S(A((3, 4)), A((4, 5)), A((5,))), S(A((2, 3, 4)), A((4, 5))), S(A((3, 4)), A((4, 2)), A((2,)))]),
  Op("svd", "linalg", lambda x: x.svd()[1], torch.linalg.svdvals, [S(A((4, 3))), S(A((3, 3))), S(A((2, 4, 3)))], grad=False),
  Op("qr", "linalg", lambda x: (lambda q, r: (q @ r, r.abs()))(*x.qr()),
     lambda x: (lambda q, r: (q @ r, r.abs()))(*torch.linalg.qr(x, mode="complete")),
     [S(A((4, 3))), S(A((3, 3)))], grad=False),
]
