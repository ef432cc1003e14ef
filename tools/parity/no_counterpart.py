"""Public tinygrad Tensor names that no parity test can cover, each with the reason. `make parity-coverage` checks this list
against the installed tinygrad: a name that vanished from the API, or that gained a test, must leave it."""

RANDOM = "random: drawn from tinygrad's own generator (threefry), so values cannot match torch's; only shapes would"
GRAPH = "tinygrad internals: builds or inspects the UOp graph, which torch does not have"
DEVICES = "moves or splits data across several devices; this suite runs on one"

NO_COUNTERPART = {
  **{n: RANDOM for n in ("rand", "rand_like", "randn", "randn_like", "randint", "randperm", "normal", "uniform", "scaled_uniform", "glorot_uniform",
                         "kaiming_normal", "kaiming_uniform", "multinomial", "manual_seed", "random_bits", "threefry")},
  **{n: GRAPH for n in ("alu", "call", "callify", "custom_kernel", "linear_with_vars", "schedule_linear", "uop", "from_uop", "ufix", "uprod", "usum",
                        "unique_const", "invalids", "const", "replace", "as_param", "is_param", "is_param_")},
  **{n: DEVICES for n in ("shard", "shard_", "shard_like", "to_", "device")},
  "CHUNK_SIZE": "a constant of the disk-backed tensor loader, not an op",
  "realize": "forces evaluation of the lazy graph; torch is eager, so there is nothing to compare",
  "train": "sets the global Tensor.training flag; torch keeps training mode per nn.Module",
  "training": "the global training flag itself (see train)",
  "decode_hevc_frame": "hardware HEVC video decoding; torch has no video decoder",
  "from_blob": "wraps a raw memory address; torch.frombuffer takes a Python buffer, not an address",
  "from_url": "downloads a file; this machine is offline and torch has no counterpart",
  "fs_load": "tinygrad's disk filesystem tensors; torch has no counterpart",
  "fs_store": "tinygrad's disk filesystem tensors; torch has no counterpart",
  "hash": "tinygrad's tensor hashing for content addressing; torch has no counterpart",
  "keccak": "SHA-3/keccak on tensor bytes; torch has no counterpart",
  "image_conv2d": "the IMAGE (Qualcomm) backend's conv2d layout; plain conv2d is covered",
  "image_dot": "the IMAGE (Qualcomm) backend's matmul layout; plain dot is covered",
  "newton_schulz": "the Muon optimizer's orthogonalisation step; torch has no such function",
  "const_like": "a CONST of the same dtype and shape, folded into the graph; full_like covers the values",
}
