# Regenerates the calibration sample files the report tests read (numpy only):  python3 make_sample_inputs.py
# det_samples.npy              2 images [2, 3, 64, 64] float32 for the PaddleOCR detector (single input)
# minilm_samples.safetensors   2 token sequences of 16 for all-MiniLM-L6-v2: input_ids, attention_mask, token_type_ids (I64)
import json, struct
import numpy as np

rng = np.random.default_rng(11)
np.save("det_samples.npy", rng.standard_normal((2, 3, 64, 64)).astype(np.float32))

tensors = {
    "input_ids": rng.integers(1, 30522, size=(2, 16), dtype=np.int64),
    "attention_mask": np.ones((2, 16), dtype=np.int64),
    "token_type_ids": np.zeros((2, 16), dtype=np.int64),
}
header, data, at = {}, b"", 0
for name, t in tensors.items():
    raw = t.tobytes()
    header[name] = {"dtype": "I64", "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
    data += raw
    at += len(raw)
h = json.dumps(header).encode()
with open("minilm_samples.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + data)
