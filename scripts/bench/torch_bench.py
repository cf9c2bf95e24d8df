#!/usr/bin/python3
"""PyTorch (CPU) reference for `gen bench`.

Runs the same measurements as packages/cli/src/bench (matmul, the DCGAN training step,
the small UNet forward pass and training step, the shipped diffusion UNet's training step,
20-step DPM-Solver++ 2M sampling with it, DCGAN sampling) with the same shapes, batch and
repetition policy, and prints one JSON event per line on stdout:

  {"type": "ready", "info": {...}}
  {"type": "start", "id": "matmul-512"}
  {"type": "sample", "id": "matmul-512", "ms": 1.9, "warmup": false}
  {"type": "result", "measurement": {"id": ..., "status": "ok", "medianMs": ..., ...}}

Usage (normally invoked by `gen bench`):
  /usr/bin/python3 scripts/bench/torch_bench.py --threads 1 --config '{"matmulSizes": [512], ...}'

Networks mirror packages/cli/src/bench/dcgan.ts, unet.ts and unet2d.ts (@gen/diffusion's
UNet2DModel with the blocks of pretrained:mnist) (NCHW here, NHWC there). Every result also
carries the process's peak resident set size (`peakRssBytes`, from ru_maxrss); `gen bench`
starts one process per measurement, so that is the measurement's own peak.
"""
import argparse
import json
import math
import resource
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
    "unet2dBatch": 64,
    "unet2dShape": [7, 7, 4],
    "samplingBatch": 16,
    "samplingSteps": 20,
    "guidanceScale": 1.5,
    "warmup": 2,
    "repeats": 10,
    "maxSeconds": 60,
    "minRepeats": 3,
    "seed": 0,
}


def measurement_ids(config):
    return [f"matmul-{n}" for n in config["matmulSizes"]] + [
        "dcgan-train", "unet-forward", "unet-train", "unet2d-train", "sample-unet", "sample-gan"]


# Mirror of SHIPPED_UNET_BLOCKS and SHIPPED_SCHEDULER_CONFIG (packages/cli/src/bench/config.ts):
# the blocks and scheduler of packages/diffusion/pretrained/mnist/config.json.
SHIPPED_UNET_BLOCKS = {
    "blockOutChannels": [48, 96],
    "layersPerBlock": [1, 1],
    "attentionLevels": [False, True],
    "midBlockAttention": True,
    "attentionHeadDim": 32,
    "normNumGroups": 8,
    "timeEmbeddingDim": 128,
    "numClasses": 10,
}
SHIPPED_SCHEDULER = {"numTrainTimesteps": 1000, "betaStart": 0.0001, "betaEnd": 0.02}


def peak_rss_bytes():
    """ru_maxrss is in kilobytes on Linux."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


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
            if result.get("status") == "ok":
                result["peakRssBytes"] = peak_rss_bytes()
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
        if measurement_id == "unet2d-train":
            return self.measure(measurement_id, shipped_unet_train_step(torch, config))
        if measurement_id == "sample-unet":
            result = self.measure(measurement_id, shipped_unet_sampler(torch, config))
            result["imagesPerSecond"] = config["samplingBatch"] / (result["medianMs"] / 1000)
            return result
        if measurement_id == "sample-gan":
            result = self.measure(measurement_id, dcgan_sampler(torch, config["samplingBatch"], config["dcganChannels"]))
            result["imagesPerSecond"] = config["samplingBatch"] / (result["medianMs"] / 1000)
            return result
        return {"id": measurement_id, "status": "skipped", "detail": "unknown measurement"}


def dcgan_networks(torch, channels, latent=100):
    """Generator and critic of packages/cli/src/bench/dcgan.ts (widths [c0, c1], default [64, 128])."""
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

    return Generator(), Critic()


def dcgan_sampler(torch, batch, channels, latent=100):
    """One generator pass at `batch` (the DCGAN sampling cell)."""
    generator, _ = dcgan_networks(torch, channels, latent)
    z = torch.randn(batch, latent)

    def sample():
        with torch.no_grad():
            return generator(z).sum().item()

    return sample


def dcgan_step(torch, batch, channels, latent=100):
    """Mirror of packages/cli/src/bench/dcgan.ts: one critic and one generator Adam update."""
    F = torch.nn.functional
    generator, critic = dcgan_networks(torch, channels, latent)
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


def shipped_unet(torch, config):
    """Mirror of @gen/diffusion's UNet2DModel (packages/diffusion/src/models/unet.ts) with SHIPPED_UNET_BLOCKS."""
    nn = torch.nn
    F = torch.nn.functional
    blocks = SHIPPED_UNET_BLOCKS
    height, width, in_channels = config["unet2dShape"]
    widths = blocks["blockOutChannels"]
    layers_per_block = blocks["layersPerBlock"]
    attention_levels = blocks["attentionLevels"]
    groups = blocks["normNumGroups"]
    time_dim = blocks["timeEmbeddingDim"]
    head_dim = blocks["attentionHeadDim"]
    levels = len(widths)

    def timestep_embedding(t, dim):
        # [cos, sin] (flipSinToCos), ω_i = 10000^(−i/half)
        half = dim // 2
        frequencies = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000) / half))
        angles = t[:, None].float() * frequencies[None, :]
        return torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)

    class ResnetBlock(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.norm1 = nn.GroupNorm(groups, cin, eps=1e-5)
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
            self.time = nn.Linear(time_dim, cout)
            self.norm2 = nn.GroupNorm(groups, cout, eps=1e-5)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
            self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

        def forward(self, x, activated):
            h = self.conv1(F.silu(self.norm1(x)))
            h = h + self.time(activated)[:, :, None, None]
            h = self.conv2(F.silu(self.norm2(h)))
            return (self.shortcut(x) if self.shortcut is not None else x) + h

    class AttentionBlock(nn.Module):
        """x + SelfAttention(GroupNorm(x)) over the H·W positions."""

        def __init__(self, channels):
            super().__init__()
            self.norm = nn.GroupNorm(groups, channels, eps=1e-5)
            heads = max(1, channels // min(head_dim, channels))
            self.attention = nn.MultiheadAttention(channels, heads, batch_first=True)

        def forward(self, x):
            b, c, h, w = x.shape
            tokens = x.flatten(2).transpose(1, 2)
            normed = self.norm(x).flatten(2).transpose(1, 2)
            attended, _ = self.attention(normed, normed, normed, need_weights=False)
            return (tokens + attended).transpose(1, 2).reshape(b, c, h, w)

    class Layer(nn.Module):
        def __init__(self, cin, cout, attention):
            super().__init__()
            self.resnet = ResnetBlock(cin, cout)
            self.attention = AttentionBlock(cout) if attention else None

        def forward(self, x, activated):
            h = self.resnet(x, activated)
            return self.attention(h) if self.attention is not None else h

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv_in = nn.Conv2d(in_channels, widths[0], 3, padding=1)
            self.time1 = nn.Linear(widths[0], time_dim)
            self.time2 = nn.Linear(time_dim, time_dim)
            self.class_embedding = nn.Embedding(blocks["numClasses"] + 1, time_dim)
            skips = [widths[0]]
            channels = widths[0]
            self.down = nn.ModuleList()
            self.downsample = nn.ModuleList()
            for level in range(levels):
                layers = nn.ModuleList()
                for _ in range(layers_per_block[level]):
                    layers.append(Layer(channels, widths[level], attention_levels[level]))
                    channels = widths[level]
                    skips.append(channels)
                self.down.append(layers)
                if level < levels - 1:
                    self.downsample.append(nn.Conv2d(channels, channels, 3, stride=2, padding=1))
                    skips.append(channels)
            self.mid = nn.ModuleList([Layer(channels, channels, blocks["midBlockAttention"]), Layer(channels, channels, False)])
            self.up = nn.ModuleList()
            self.upsample = nn.ModuleList()
            for level in range(levels - 1, -1, -1):
                layers = nn.ModuleList()
                for _ in range(layers_per_block[level] + 1):
                    layers.append(Layer(channels + skips.pop(), widths[level], attention_levels[level]))
                    channels = widths[level]
                self.up.append(layers)
                if level > 0:
                    self.upsample.append(nn.Conv2d(channels, channels, 3, padding=1))
            self.norm_out = nn.GroupNorm(groups, channels, eps=1e-5)
            self.conv_out = nn.Conv2d(channels, in_channels, 3, padding=1)

        def forward(self, x, t, labels):
            embedding = self.time2(F.silu(self.time1(timestep_embedding(t, widths[0]))))
            activated = F.silu(embedding + self.class_embedding(labels))
            h = self.conv_in(x)
            skips = [h]
            for level, layers in enumerate(self.down):
                for layer in layers:
                    h = layer(h, activated)
                    skips.append(h)
                if level < len(self.downsample):
                    h = self.downsample[level](h)
                    skips.append(h)
            for layer in self.mid:
                h = layer(h, activated)
            for index, layers in enumerate(self.up):
                for layer in layers:
                    h = layer(torch.cat([h, skips.pop()], dim=1), activated)
                if index < len(self.upsample):
                    h = self.upsample[index](F.interpolate(h, size=skips[-1].shape[2:], mode="nearest"))
            return self.conv_out(F.silu(self.norm_out(h)))

    return UNet(), (in_channels, height, width)


def shipped_unet_train_step(torch, config):
    """One Adam update on the v-prediction MSE at unet2dBatch (mirror of BenchShippedUnet.trainStep)."""
    F = torch.nn.functional
    model, (channels, height, width) = shipped_unet(torch, config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    batch = config["unet2dBatch"]
    noisy = torch.randn(batch, channels, height, width)
    target = torch.randn(batch, channels, height, width)
    t = torch.floor(torch.rand(batch) * 1000)
    labels = torch.randint(0, 11, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(noisy, t, labels), target)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def dpm_solver_schedule(steps):
    """Timesteps ('leading' spacing of the multistep schedulers) and σ of each, then σ = 0."""
    total = SHIPPED_SCHEDULER["numTrainTimesteps"]
    start, end = SHIPPED_SCHEDULER["betaStart"], SHIPPED_SCHEDULER["betaEnd"]
    alphas_cumprod = []
    product = 1.0
    for i in range(total):
        product *= 1 - (start + (end - start) * i / (total - 1))
        alphas_cumprod.append(product)
    ratio = total // (steps + 1)
    timesteps = [(steps - i) * ratio for i in range(steps)]
    sigmas = [math.sqrt((1 - alphas_cumprod[t]) / alphas_cumprod[t]) for t in timesteps] + [0.0]
    return timesteps, sigmas


def shipped_unet_sampler(torch, config):
    """samplingBatch images: samplingSteps steps of DPM-Solver++ 2M (midpoint, lower order at the
    last step) on v predictions with classifier-free guidance, as @gen/diffusion's
    classConditionalPipeline + DPMSolverMultistepScheduler do."""
    model, (channels, height, width) = shipped_unet(torch, config)
    model.eval()
    batch = config["samplingBatch"]
    scale = config["guidanceScale"]
    timesteps, sigmas = dpm_solver_schedule(config["samplingSteps"])
    labels = torch.tensor([i % 10 for i in range(batch)])
    null = torch.full((batch,), SHIPPED_UNET_BLOCKS["numClasses"])
    doubled = torch.cat([null, labels])

    def coefficients(sigma):
        alpha = 1 / math.sqrt(sigma * sigma + 1)
        sigma_t = sigma * alpha
        return alpha, sigma_t, (math.log(alpha) - math.log(sigma_t)) if sigma_t > 0 else math.inf

    def sample():
        with torch.no_grad():
            x = torch.randn(batch, channels, height, width)
            previous = None
            n = len(timesteps)
            for index, timestep in enumerate(timesteps):
                t = torch.full((batch,), float(timestep))
                if scale == 1:
                    v = model(x, t, labels)
                else:
                    unconditional, conditional = model(torch.cat([x, x]), torch.cat([t, t]), doubled).chunk(2)
                    v = unconditional + scale * (conditional - unconditional)
                alpha_s, sigma_s, lambda_s = coefficients(sigmas[index])
                alpha_t, sigma_t, lambda_t = coefficients(sigmas[index + 1])
                x0 = alpha_s * x - sigma_s * v
                if previous is None or index == n - 1:
                    # first order; at σ = 0 (the last step) this is x₀ itself
                    x = x0 if sigma_t == 0 else (sigma_t / sigma_s) * x - alpha_t * math.expm1(-(lambda_t - lambda_s)) * x0
                else:
                    h = lambda_t - lambda_s
                    r0 = (lambda_s - coefficients(sigmas[index - 1])[2]) / h
                    d1 = (x0 - previous) / r0
                    phi = math.expm1(-h)
                    x = (sigma_t / sigma_s) * x - alpha_t * phi * x0 - 0.5 * alpha_t * phi * d1
                previous = x0
            return ((x + 1) / 2).clamp(0, 1).sum().item()

    return sample


if __name__ == "__main__":
    sys.exit(main())
