#!/usr/bin/python3
"""PyTorch (CPU) reference for `gen bench`.

Runs the same measurements as packages/cli/src/bench (matmul, the DCGAN training step,
the small UNet forward pass and training step) with the same shapes, batch and repetition
policy, and prints one JSON event per line on stdout:

  {"type": "ready", "info": {...}}
  {"type": "start", "id": "matmul-512"}
  {"type": "sample", "id": "matmul-512", "ms": 1.9, "warmup": false}
  {"type": "result", "measurement": {"id": ..., "status": "ok", "medianMs": ..., ...}}

Usage (normally invoked by `gen bench`):
  /usr/bin/python3 scripts/bench/torch_bench.py --threads 1 --config '{"matmulSizes": [512], ...}'

Networks mirror packages/cli/src/bench/dcgan.ts and unet.ts (NCHW here, NHWC there).
"""
import argparse
import json
import math
import statistics
import sys
import time


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


DEFAULT_CONFIG = {
    "matmulSizes": [512, 1024],
    "dcganBatch": 64,
    "dcganChannels": [64, 128],
    "unetBatch": 64,
    "unetChannels": [32, 64],
    "warmup": 2,
    "repeats": 10,
    "maxSeconds": 60,
    "minRepeats": 3,
    "seed": 0,
}


def measurement_ids(config):
    return [f"matmul-{n}" for n in config["matmulSizes"]] + ["dcgan-train", "unet-forward", "unet-train"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="{}", help="BenchConfig JSON (see packages/cli/src/bench/config.ts)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    parser.add_argument("--ids", default="", help="comma-separated measurement ids (default: all)")
    args = parser.parse_args()
    config = {**DEFAULT_CONFIG, **json.loads(args.config)}
    ids = [i for i in args.ids.split(",") if i] or measurement_ids(config)

    try:
        import torch
    except ImportError as error:  # reported by gen bench with the install command
        emit({"type": "fatal", "message": f"python3-torch is not installed ({error})"})
        return 0

    torch.set_num_threads(args.threads)
    torch.manual_seed(config["seed"])
    emit({"type": "ready", "info": {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "python": sys.version.split()[0],
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
    }})
    bench = Bench(torch, config)
    for measurement_id in ids:
        emit({"type": "start", "id": measurement_id})
        try:
            result = bench.run(measurement_id)
        except Exception as error:  # noqa: BLE001 - report and go on, like the tfjs suite
            result = {"id": measurement_id, "status": "failed", "detail": str(error).splitlines()[0] if str(error) else repr(error)}
        emit({"type": "result", "measurement": result})
    return 0


class Bench:
    def __init__(self, torch, config):
        self.torch = torch
        self.config = config

    def measure(self, measurement_id, run):
        config = self.config
        for _ in range(config["warmup"]):
            t0 = time.perf_counter()
            run()
            emit({"type": "sample", "id": measurement_id, "ms": (time.perf_counter() - t0) * 1000, "warmup": True})
        samples = []
        started = time.perf_counter()
        for _ in range(config["repeats"]):
            t0 = time.perf_counter()
            run()
            samples.append((time.perf_counter() - t0) * 1000)
            emit({"type": "sample", "id": measurement_id, "ms": samples[-1], "warmup": False})
            if len(samples) >= config["minRepeats"] and time.perf_counter() - started >= config["maxSeconds"]:
                break
        return {
            "id": measurement_id,
            "status": "ok",
            "medianMs": statistics.median(samples),
            "minMs": min(samples),
            "repeats": len(samples),
            "warmup": config["warmup"],
        }

    def run(self, measurement_id):
        torch = self.torch
        config = self.config
        if measurement_id.startswith("matmul-"):
            n = int(measurement_id[len("matmul-"):])
            a = torch.rand(n, n) * 2 - 1
            b = torch.rand(n, n) * 2 - 1

            def step():
                c = a @ b
                return c

            result = self.measure(measurement_id, step)
            result["gflops"] = 2 * n ** 3 / (result["medianMs"] * 1e6)
            return result
        if measurement_id == "dcgan-train":
            return self.measure(measurement_id, dcgan_step(torch, config["dcganBatch"], config["dcganChannels"]))
        if measurement_id in ("unet-forward", "unet-train"):
            return self.measure(measurement_id, unet_step(torch, config, train=measurement_id == "unet-train"))
        return {"id": measurement_id, "status": "skipped", "detail": "unknown measurement"}


def dcgan_step(torch, batch, channels, latent=100):
    """Mirror of packages/cli/src/bench/dcgan.ts (widths [c0, c1], default [64, 128])."""
    c0, c1 = channels
    half = c0 // 2
    nn = torch.nn
    F = torch.nn.functional

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = nn.Linear(latent, 7 * 7 * c0)
            self.up1 = nn.ConvTranspose2d(c0, half, 5, stride=2, padding=2, output_padding=1)  # 7 → 14
            self.up2 = nn.ConvTranspose2d(half, 1, 5, stride=2, padding=2, output_padding=1)  # 14 → 28

        def forward(self, z):
            h = F.relu(self.dense(z)).view(-1, c0, 7, 7)
            h = F.relu(self.up1(h))
            return torch.tanh(self.up2(h))

    class Critic(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, c0, 5, stride=2, padding=2)  # 28 → 14
            self.conv2 = nn.Conv2d(c0, c1, 5, stride=2, padding=2)  # 14 → 7
            self.dense = nn.Linear(7 * 7 * c1, 1)

        def forward(self, x):
            h = F.leaky_relu(self.conv1(x), 0.2)
            h = F.leaky_relu(self.conv2(h), 0.2)
            return self.dense(h.flatten(1))

    generator, critic = Generator(), Critic()
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    d_optimizer = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    real = torch.rand(batch, 1, 28, 28) * 2 - 1
    z = torch.randn(batch, latent)

    def step():
        # 1. critic: softplus(-D(x)) + softplus(D(G(z))), G(z) detached
        with torch.no_grad():
            fake = generator(z)
        d_optimizer.zero_grad(set_to_none=True)
        d_loss = F.softplus(-critic(real)).mean() + F.softplus(critic(fake)).mean()
        d_loss.backward()
        d_optimizer.step()
        # 2. generator: softplus(-D(G(z))), gradients to G only
        g_optimizer.zero_grad(set_to_none=True)
        g_loss = F.softplus(-critic(generator(z))).mean()
        g_loss.backward()
        g_optimizer.step()
        return d_loss.item() + g_loss.item()

    return step


def unet_step(torch, config, train):
    """Mirror of packages/cli/src/bench/unet.ts."""
    nn = torch.nn
    F = torch.nn.functional
    c0, c1 = config["unetChannels"]
    time_dim = 4 * c0
    groups = 8
    batch = config["unetBatch"]

    def timestep_embedding(t, dim):
        half = dim // 2
        frequencies = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000) / half))
        angles = t[:, None] * frequencies[None, :]
        return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)

    class ResBlock(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.norm1 = nn.GroupNorm(groups, cin, eps=1e-5)
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
            self.time = nn.Linear(time_dim, cout)
            self.norm2 = nn.GroupNorm(groups, cout, eps=1e-5)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
            self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

        def forward(self, x, temb):
            h = self.conv1(F.silu(self.norm1(x)))
            h = h + self.time(F.silu(temb))[:, :, None, None]
            h = self.conv2(F.silu(self.norm2(h)))
            return h + (self.skip(x) if self.skip is not None else x)

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.time1 = nn.Linear(c0, time_dim)
            self.time2 = nn.Linear(time_dim, time_dim)
            self.conv_in = nn.Conv2d(1, c0, 3, padding=1)
            self.down0 = ResBlock(c0, c0)
            self.down = nn.Conv2d(c0, c0, 3, stride=2, padding=1)  # 28 → 14
            self.down1 = ResBlock(c0, c1)
            self.mid = ResBlock(c1, c1)
            self.up1 = ResBlock(2 * c1, c1)
            self.up = nn.Conv2d(c1, c1, 3, padding=1)
            self.up0 = ResBlock(c1 + c0, c0)
            self.out_norm = nn.GroupNorm(groups, c0, eps=1e-5)
            self.conv_out = nn.Conv2d(c0, 1, 3, padding=1)

        def forward(self, x, t):
            temb = self.time2(F.silu(self.time1(timestep_embedding(t, c0))))
            skip0 = self.down0(self.conv_in(x), temb)
            skip1 = self.down1(self.down(skip0), temb)
            mid = self.mid(skip1, temb)
            h = self.up1(torch.cat([mid, skip1], dim=1), temb)
            h = self.up(F.interpolate(h, scale_factor=2, mode="nearest"))
            h = self.up0(torch.cat([h, skip0], dim=1), temb)
            return self.conv_out(F.silu(self.out_norm(h)))

    model = UNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    noisy = torch.randn(batch, 1, 28, 28)
    noise = torch.randn(batch, 1, 28, 28)
    t = torch.floor(torch.rand(batch) * 1000)

    if not train:
        def forward():
            with torch.no_grad():
                return model(noisy, t)
        return forward

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(noisy, t), noise)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


if __name__ == "__main__":
    sys.exit(main())
