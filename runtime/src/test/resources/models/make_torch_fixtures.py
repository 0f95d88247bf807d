# Regenerates the small PyTorch checkpoints the model tests read (run with Debian's python3-torch, torch 1.13):
#   python3 make_torch_fixtures.py
# tiny_state_dict.pt  a state_dict of Conv2d, depthwise Conv2d, Linear, LSTM, GRU, BatchNorm2d, Embedding; one fp16
#                     tensor and one non-contiguous (transposed) view
# checkpoint.pt       a training checkpoint {"epoch": 3, "state_dict": ...}
# malicious.pt        a zip whose data.pkl calls os.system (the reader must refuse it and run nothing)
# tiny_expected.json  shape, sum and every value (row-major, as torch indexes the tensor, views included) of every
#                     float tensor, as torch computes them
import json, os, pickle, zipfile, io
import torch
import torch.nn as nn

torch.manual_seed(7)

class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3)
        self.dw = nn.Conv2d(8, 8, 3, groups=8)
        self.bn = nn.BatchNorm2d(8)
        self.embed_tokens = nn.Embedding(10, 4)
        self.rnn = nn.LSTM(4, 6)
        self.gru = nn.GRU(6, 5)
        self.head = nn.Linear(8, 2)

m = Tiny()
sd = m.state_dict()
sd["half_proj.weight"] = torch.randn(3, 4).half()
sd["view_proj.weight"] = torch.randn(4, 5).t()   # stored as a strided view of a [4, 5] storage
torch.save(sd, "tiny_state_dict.pt")
torch.save({"epoch": 3, "state_dict": sd}, "checkpoint.pt")

expected = {k: {"shape": list(v.shape), "sum": float(v.float().sum()), "values": [float(x) for x in v.float().flatten().tolist()]}
            for k, v in sd.items() if v.is_floating_point()}
with open("tiny_expected.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)

class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/amctkit-pickle-was-executed",))

buf = io.BytesIO()
pickle.dump({"conv.weight": Evil()}, buf, protocol=2)
with zipfile.ZipFile("malicious.pt", "w") as z:
    z.writestr("malicious/data.pkl", buf.getvalue())
    z.writestr("malicious/version", "3\n")
