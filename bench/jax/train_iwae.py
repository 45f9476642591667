"""The JAX column of `bench/run training`: the trainer's benchmark step, written in JAX (XLA, CPU).

The same model and budget as the trainer's cases: the IWAE paper's architectures (1 layer:
784-200-200-(50), 2 layers: 784-100-100-(100)-50-50-(50); tanh both ways, Gaussian latents, Bernoulli
pixels), Glorot-uniform weights with the log-variance heads scaled by 0.1 and zero biases (as
VaeWeights.random), the IWAE bound with k samples (k = 1 is the ELBO), Adam (lr 1e-3, beta1 0.9, beta2
0.999, eps 1e-8), batch 100, mnist-10k's 8,000 training digits reshuffled every epoch and binarized afresh
every step (dynamic binarization).

Everything of a step runs inside one jit-compiled function: gathering the batch, binarizing it, drawing
the latent noise, the bound and its gradient, and Adam. Each step waits for its result (as the trainer's
steps do), and the first epoch warms up (compilation). Prints one line per run:

  JAX case=1L-k5 steps=80 epoch_s=0.71 ms_step=8.9 ms_step_median=8.7 ms_step_best=8.1 cpu_ms_step=15.2 ...

where ms_step is the last epoch's wall time over its steps and cpu_ms_step the process's CPU time (all its
threads) over its steps. --eval-k K (e.g. 5000) adds the test NLL:
minus the mean over the test digits (binarized once) of log (1/K) sum_i w_i.

Usage: python train_iwae.py --data-dir DIR [--layers 1|2] [--k 5] [--epochs 2] [--batch 100]
  [--seed 1] [--eval-k 0] [--eval-examples 0]
"""

import argparse
import gzip
import math
import os
import struct
import time

import jax
import jax.numpy as jnp
import numpy as np

LOG_2PI = math.log(2 * math.pi)


def read_images(path):
    with gzip.open(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError(f"{path}: magic {magic}, 2051 expected")
        data = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8)
    return data.reshape(n, rows * cols).astype(np.float32) / 255.0


def architecture(layers):
    """(latent dims, hidden widths) per stochastic layer, bottom-up."""
    if layers == 1:
        return [(50, [200, 200])]
    if layers == 2:
        return [(100, [100, 100]), (50, [50, 50])]
    raise ValueError(f"--layers must be 1 or 2, got {layers}")


def glorot(rng, n_in, n_out, scale=1.0):
    limit = scale * math.sqrt(6.0 / (n_in + n_out))
    return (
        jnp.asarray(rng.uniform(-limit, limit, size=(n_in, n_out)), jnp.float32),
        jnp.zeros((n_out,), jnp.float32),
    )


def mlp_params(rng, n_in, hidden, n_out, log_variance):
    params = {"hidden": [], "mean": None, "logvar": None}
    width = n_in
    for h in hidden:
        params["hidden"].append(glorot(rng, width, h))
        width = h
    params["mean"] = glorot(rng, width, n_out)
    if log_variance:
        params["logvar"] = glorot(rng, width, n_out, 0.1)
    else:
        del params["logvar"]
    return params


def init(seed, layers, dim=784):
    rng = np.random.default_rng(seed)
    arch = architecture(layers)
    encoders, decoders = [], []
    below = dim
    for latent, hidden in arch:
        encoders.append(mlp_params(rng, below, hidden, latent, True))
        below = latent
    for i, (latent, hidden) in enumerate(arch):
        out = dim if i == 0 else arch[i - 1][0]
        decoders.append(mlp_params(rng, latent, list(reversed(hidden)), out, i > 0))
    return {"enc": encoders, "dec": decoders}


def mlp(params, h):
    for w, b in params["hidden"]:
        h = jnp.tanh(h @ w + b)
    mean = h @ params["mean"][0] + params["mean"][1]
    if "logvar" in params:
        return mean, h @ params["logvar"][0] + params["logvar"][1]
    return mean, None


def gaussian_log_density(z, mean, logvar):
    d = z.shape[-1]
    diff = z - mean
    return -0.5 * (d * LOG_2PI + jnp.sum(logvar + diff * diff * jnp.exp(-logvar), axis=-1))


def log_weights(params, x, eps):
    """log w [B, K] for binary x [B, D] and noise eps[l] [B, K, d_l]."""
    b, k = eps[0].shape[0], eps[0].shape[1]
    mean, logvar = mlp(params["enc"][0], x)
    z = mean[:, None, :] + jnp.exp(0.5 * logvar)[:, None, :] * eps[0]
    d = z.shape[-1]
    log_q = -0.5 * (d * LOG_2PI + jnp.sum(logvar, -1)[:, None] + jnp.sum(eps[0] ** 2, -1))
    zs = [z.reshape(b * k, d)]
    log_q = log_q.reshape(b * k)
    for l in range(1, len(eps)):
        mean, logvar = mlp(params["enc"][l], zs[-1])
        e = eps[l].reshape(b * k, -1)
        zs.append(mean + jnp.exp(0.5 * logvar) * e)
        log_q = log_q - 0.5 * (e.shape[-1] * LOG_2PI + jnp.sum(logvar + e * e, -1))
    top = zs[-1]
    log_p = -0.5 * (top.shape[-1] * LOG_2PI + jnp.sum(top * top, -1))
    for l in range(len(eps) - 2, -1, -1):
        mean, logvar = mlp(params["dec"][l + 1], zs[l + 1])
        log_p = log_p + gaussian_log_density(zs[l], mean, logvar)
    logits, _ = mlp(params["dec"][0], zs[0])
    xr = jnp.repeat(x, k, axis=0)
    log_px = jnp.sum(xr * logits - jax.nn.softplus(logits), -1)
    return (log_px + log_p - log_q).reshape(b, k)


def bound(params, x, eps):
    lw = log_weights(params, x, eps)
    k = lw.shape[1]
    return jnp.mean(jax.nn.logsumexp(lw, axis=1) - math.log(k))


def noise(key, b, k, layers):
    keys = jax.random.split(key, len(layers))
    return [jax.random.normal(kk, (b, k, d), jnp.float32) for kk, (d, _) in zip(keys, layers)]


def make_step(train, layers, k, batch, lr=1e-3, b1=0.9, b2=0.999, adam_eps=1e-8):
    arch = architecture(layers)

    @jax.jit
    def step(params, m, v, t, key, idx):
        kx, ke = jax.random.split(key)
        pixels = train[idx]
        x = (jax.random.uniform(kx, pixels.shape) < pixels).astype(jnp.float32)
        eps = noise(ke, batch, k, arch)
        value, grads = jax.value_and_grad(lambda p: -bound(p, x, eps))(params)
        t = t + 1
        m = jax.tree_util.tree_map(lambda a, g: b1 * a + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda a, g: b2 * a + (1 - b2) * g * g, v, grads)
        alpha = lr * jnp.sqrt(1 - b2**t) / (1 - b1**t)
        params = jax.tree_util.tree_map(
            lambda p, a, c: p - alpha * a / (jnp.sqrt(c) + adam_eps), params, m, v
        )
        return params, m, v, t, value

    return step


def test_nll(params, test, layers, eval_k, seed, rows=10, chunk=500):
    """-mean log (1/K) sum_i w_i over the test digits (binarized once), K = eval_k."""
    arch = architecture(layers)
    key = jax.random.PRNGKey(seed + 1000)
    x_all = (jax.random.uniform(key, test.shape) < test).astype(jnp.float32)

    @jax.jit
    def chunk_lse(xb, key):
        eps = noise(key, xb.shape[0], chunk, arch)
        return jax.nn.logsumexp(log_weights(params, xb, eps), axis=1)

    total = []
    for start in range(0, x_all.shape[0], rows):
        xb = x_all[start : start + rows]
        parts = []
        for c in range(0, eval_k, chunk):
            parts.append(chunk_lse(xb, jax.random.fold_in(key, start * eval_k + c + 1)))
        lse = jax.nn.logsumexp(jnp.stack(parts, 1), axis=1) - math.log(eval_k)
        total.append(lse)
    values = np.asarray(jnp.concatenate(total))
    return -values.mean(), values.std(ddof=1) / math.sqrt(len(values))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--eval-k", type=int, default=0)
    parser.add_argument("--eval-examples", type=int, default=0)
    args = parser.parse_args()
    if args.eval_k % 500 != 0 and args.eval_k > 500:
        parser.error("--eval-k must be a multiple of 500 above 500")
    data = os.path.join(args.data_dir, "mnist-10k")
    train_np = read_images(os.path.join(data, "train-images-idx3-ubyte.gz"))
    train = jnp.asarray(train_np)
    n = train_np.shape[0]
    steps_per_epoch = n // args.batch  # full batches only (8,000 digits: 80 steps of 100)
    params = init(args.seed, args.layers)
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    t = jnp.zeros((), jnp.float32)
    step = make_step(train, args.layers, args.k, args.batch)
    base = jax.random.PRNGKey(args.seed)
    order_rng = np.random.default_rng(args.seed)
    last = []
    epoch_s = 0.0
    cpu_s = 0.0
    value = float("nan")
    for epoch in range(args.epochs):
        order = order_rng.permutation(n)
        times = []
        start = time.perf_counter()
        cpu_start = time.process_time()
        for s in range(steps_per_epoch):
            idx = jnp.asarray(order[s * args.batch : (s + 1) * args.batch])
            t0 = time.perf_counter()
            params, m, v, t, value = step(
                params, m, v, t, jax.random.fold_in(base, epoch * steps_per_epoch + s), idx
            )
            value.block_until_ready()
            times.append(time.perf_counter() - t0)
        epoch_s = time.perf_counter() - start
        cpu_s = time.process_time() - cpu_start
        last = times
    case = f"{args.layers}L-k{args.k}"
    line = (
        f"JAX case={case} steps={steps_per_epoch} epoch_s={epoch_s:.3f}"
        f" ms_step={1e3 * epoch_s / steps_per_epoch:.2f}"
        f" ms_step_median={1e3 * float(np.median(last)):.2f}"
        f" ms_step_best={1e3 * min(last):.2f} cpu_ms_step={1e3 * cpu_s / steps_per_epoch:.2f}"
        f" loss={float(value):.2f}"
    )
    if args.eval_k > 0:
        test = read_images(os.path.join(data, "test-images-idx3-ubyte.gz"))
        if args.eval_examples > 0:
            test = test[: args.eval_examples]
        nll, se = test_nll(params, jnp.asarray(test), args.layers, args.eval_k, args.seed)
        line += f" test_nll={nll:.2f} test_nll_se={se:.2f}"
    print(line, flush=True)


if __name__ == "__main__":
    main()
