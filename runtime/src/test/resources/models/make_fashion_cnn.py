# Trains the small Fashion-MNIST CNN the model-level tests use, once, and writes it as a committed fixture:
#   /usr/bin/python3 make_fashion_cnn.py        (Debian's python3-torch 1.13 and dataset-fashion-mnist)
# fashion_cnn.onnx            (runtime/src/main/resources/models: amctkit ships it as zoo:fashion-cnn) conv-bn-relu-pool x2, conv-relu, global average pool, flatten, linear-relu-linear;
#                             input "image" [N, 1, 28, 28] (pixels / 255), output "logits" [N, 10]
# fashion_cnn_expected.json   the float model's accuracy on the 10 000 test images, as torch computes it
# The training uses the 60 000 training images only; the tests evaluate on the 10 000 test images.
import gzip, json
import numpy as np
import torch
import torch.nn as nn

DATA = "/usr/share/datasets/fashion-mnist/"
torch.manual_seed(0)
np.random.seed(0)
torch.set_num_threads(2)


def images(name):
    with gzip.open(DATA + name, "rb") as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16)
    return torch.from_numpy(raw.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)


def labels(name):
    with gzip.open(DATA + name, "rb") as f:
        return torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64))


class FashionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        x = torch.max_pool2d(torch.relu(self.bn2(self.conv2(x))), 2)
        x = torch.relu(self.conv3(x))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc2(torch.relu(self.fc1(x)))


train_x, train_y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
test_x, test_y = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
model = FashionCnn()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(4):
    model.train()
    order = torch.randperm(len(train_x))
    for i in range(0, len(order), 128):
        idx = order[i:i + 128]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(train_x[idx]), train_y[idx])
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        accuracy = float((model(test_x).argmax(1) == test_y).float().mean())
    print("epoch", epoch, "test accuracy", accuracy)

model.eval()
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), "../../../main/resources/models/fashion_cnn.onnx", opset_version=13, input_names=["image"],
                  output_names=["logits"], dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                  do_constant_folding=True, training=torch.onnx.TrainingMode.PRESERVE)
with torch.no_grad():
    correct = int((model(test_x).argmax(1) == test_y).sum())
with open("fashion_cnn_expected.json", "w") as f:
    json.dump({"test_images": len(test_x), "float_correct": correct, "float_accuracy": correct / len(test_x)}, f, indent=1)
print("float accuracy", correct / len(test_x))
