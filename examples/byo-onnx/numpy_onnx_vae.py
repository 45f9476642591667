#!/usr/bin/env python3
"""A linear-Gaussian VAE (probabilistic PCA with a diagonal Gaussian encoder) written as ONNX by
Python's `onnx` package from NumPy weights: an encoder and a decoder made outside latentserve, for
`latentserve bundle import`, with the figures latentserve must reproduce, computed in NumPy.

    python3 numpy_onnx_vae.py --out DIR [--seed 7] [--examples 64] [--k 5000]
    python3 numpy_onnx_vae.py --model sigmoid-belief-net --out DIR

The second writes a sigmoid belief net instead: 6 Bernoulli latent units with a factorial prior,
10 Bernoulli pixels, linear maps both ways; its exact log p(x) sums over all 64 latent states.

writes into DIR:
  enc.onnx       x [batch, D] -> mean, logvar [batch, d]   (Gemm, MatMul, Add; opset 17)
  dec.onnx       z [batch, d] -> x_mean [batch, D]
  model.json     the import spec (gaussian latent, gaussian_fixed likelihood with sigma)
  expected.json  inline data x [N, D] drawn from the model, and in nats:
                 log_px_exact     mean over the examples of the exact log p(x) (x ~ N(b, W W^T + s^2 I))
                 iwll_numpy       a NumPy IW-LL estimate with the same k, and its Monte Carlo SE
                 iwll_mc_se       delta-method SE of a k-sample IW-LL of the mean (from 20000 draws
                                  per example): how far an estimator with k samples may be from
                                  log_px_exact by chance
                 rate_exact       mean over the examples of KL(q(z|x) || N(0, I)), analytic
                 mi_exact_q       I(x; z) under the encoder for x ~ p(x), analytic
"""
import argparse
import json
import math
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

D, LATENT, SIGMA = 8, 3, 0.5
OPSET, IR_VERSION = 17, 8


def model_parameters(rng):
    w = rng.normal(0.0, 1.0, size=(D, LATENT)) / math.sqrt(LATENT)
    b = rng.normal(0.0, 0.5, size=D)
    # The exact posterior of probabilistic PCA is N(A (x - b), S) with a full covariance S; the
    # encoder keeps A but a diagonal, inflated variance, so that the importance weights vary.
    s = np.linalg.inv(np.eye(LATENT) + w.T @ w / SIGMA**2)
    a = s @ w.T / SIGMA**2
    logvar = np.log(np.diag(s)) + 0.3
    return w, b, a, logvar


def write_graphs(out, w, b, a, logvar):
    f32 = lambda v: np.asarray(v, dtype=np.float32)
    enc = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "enc.a_t", "enc.c"], ["mean"], name="mean_head"),
            helper.make_node("MatMul", ["x", "enc.zero"], ["logvar_mm"], name="logvar_mm"),
            helper.make_node("Add", ["logvar_mm", "enc.logvar"], ["logvar"], name="logvar_head"),
        ],
        "linear_gaussian_encoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", D])],
        [
            helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["batch", LATENT]),
            helper.make_tensor_value_info("logvar", TensorProto.FLOAT, ["batch", LATENT]),
        ],
        initializer=[
            numpy_helper.from_array(f32(a.T), "enc.a_t"),
            numpy_helper.from_array(f32(-a @ b), "enc.c"),
            numpy_helper.from_array(f32(np.zeros((D, LATENT))), "enc.zero"),
            numpy_helper.from_array(f32(logvar), "enc.logvar"),
        ],
    )
    dec = helper.make_graph(
        [
            helper.make_node("MatMul", ["z", "dec.w_t"], ["mm"], name="mm"),
            helper.make_node("Add", ["mm", "dec.b"], ["x_mean"], name="x_mean_head"),
        ],
        "linear_gaussian_decoder",
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", LATENT])],
        [helper.make_tensor_value_info("x_mean", TensorProto.FLOAT, ["batch", D])],
        initializer=[
            numpy_helper.from_array(f32(w.T), "dec.w_t"),
            numpy_helper.from_array(f32(b), "dec.b"),
        ],
    )
    save(out, enc, dec)


def log_normal_diag(z, mean, logvar):
    return -0.5 * np.sum(math.log(2 * math.pi) + logvar + (z - mean) ** 2 / np.exp(logvar), axis=-1)


def log_weights(rng, x, w, b, a, logvar, k):
    """log w [N, k] of the model in float64 (the weights as float32 round them, x as given)."""
    mean = (x - b) @ a.T
    eps = rng.standard_normal((x.shape[0], k, LATENT))
    z = mean[:, None, :] + np.exp(logvar / 2) * eps
    x_mean = z @ w.T + b
    log_px_z = -0.5 * np.sum(
        math.log(2 * math.pi) + 2 * math.log(SIGMA) + (x[:, None, :] - x_mean) ** 2 / SIGMA**2, axis=-1
    )
    log_pz = log_normal_diag(z, 0.0, np.zeros(LATENT))
    log_qz = log_normal_diag(z, mean[:, None, :], logvar)
    return log_px_z + log_pz - log_qz


def logmeanexp(v, axis):
    m = np.max(v, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.mean(np.exp(v - m), axis=axis))


SBN_D, SBN_LATENT = 10, 6


def sigmoid_belief_net(args, rng):
    """Writes the sigmoid belief net's graphs and spec; returns the expected figures."""
    w = rng.normal(0.0, 1.5, size=(SBN_D, SBN_LATENT))
    b = rng.normal(0.0, 0.5, size=SBN_D)
    prior = rng.normal(0.0, 0.5, size=SBN_LATENT)
    a = 0.5 * w.T  # an encoder that roughly inverts the decoder; any q with full support works
    c = prior.copy()
    w, b, prior, a, c = (np.asarray(v, dtype=np.float32).astype(np.float64) for v in (w, b, prior, a, c))
    f32 = lambda v: np.asarray(v, dtype=np.float32)
    enc = helper.make_graph(
        [helper.make_node("Gemm", ["x", "enc.a_t", "enc.c"], ["logits"], name="logits_head")],
        "sbn_encoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", SBN_D])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", SBN_LATENT])],
        initializer=[numpy_helper.from_array(f32(a.T), "enc.a_t"), numpy_helper.from_array(f32(c), "enc.c")],
    )
    dec = helper.make_graph(
        [helper.make_node("Gemm", ["z", "dec.w_t", "dec.b"], ["x_logits"], name="x_logits_head")],
        "sbn_decoder",
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", SBN_LATENT])],
        [helper.make_tensor_value_info("x_logits", TensorProto.FLOAT, ["batch", SBN_D])],
        initializer=[numpy_helper.from_array(f32(w.T), "dec.w_t"), numpy_helper.from_array(f32(b), "dec.b")],
    )
    save(args.out, enc, dec)
    spec = {
        "inputDim": SBN_D,
        "latent": {"name": "z1", "dim": SBN_LATENT, "family": "bernoulli", "priorLogits": prior.tolist()},
        "likelihood": "bernoulli",
        "encoder": {"outputs": {"logits": "logits"}},
        "decoder": {"outputs": {"logits": "x_logits"}},
        "description": "sigmoid belief net written by numpy + onnx (examples/byo-onnx)",
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(spec, f, indent=2)

    softplus = lambda v: np.logaddexp(0.0, v)
    bern = lambda v, logits: np.sum(v * logits - softplus(logits), axis=-1)
    z = (rng.random((args.examples, SBN_LATENT)) < 1 / (1 + np.exp(-prior))).astype(np.float64)
    x = (rng.random((args.examples, SBN_D)) < 1 / (1 + np.exp(-(z @ w.T + b)))).astype(np.float64)

    states = ((np.arange(2**SBN_LATENT)[:, None] >> np.arange(SBN_LATENT)) & 1).astype(np.float64)
    log_joint = bern(states, prior)[None, :] + bern(x[:, None, :], states @ w.T + b)
    log_px = logmeanexp(log_joint, axis=1) + math.log(2**SBN_LATENT)

    q = x @ a.T + c

    def log_w(k):
        zs = (rng.random((args.examples, k, SBN_LATENT)) < 1 / (1 + np.exp(-q[:, None, :]))).astype(np.float64)
        return bern(zs, prior) + bern(x[:, None, :], zs @ w.T + b) - bern(zs, q[:, None, :])

    iw = logmeanexp(log_w(args.k), axis=1)
    big = log_w(20000)
    ratio = np.exp(big - np.max(big, axis=1, keepdims=True))
    mc_se = math.sqrt(np.sum(np.var(ratio, axis=1) / np.mean(ratio, axis=1) ** 2 / args.k)) / args.examples
    pq, pp = 1 / (1 + np.exp(-q)), 1 / (1 + np.exp(-prior))
    kl = np.sum(pq * np.log(pq / pp) + (1 - pq) * np.log((1 - pq) / (1 - pp)), axis=1)
    return {
        "examples": args.examples,
        "inputDim": SBN_D,
        "k": args.k,
        "x": x.tolist(),
        "log_px_exact": float(np.mean(log_px)),
        "iwll_numpy": float(np.mean(iw)),
        "iwll_mc_se": mc_se,
        "rate_exact": float(np.mean(kl)),
    }


def save(out, enc, dec):
    for graph, name in ((enc, "enc.onnx"), (dec, "dec.onnx")):
        model = helper.make_model(
            graph, producer_name="numpy+onnx", opset_imports=[helper.make_opsetid("", OPSET)]
        )
        model.ir_version = IR_VERSION
        onnx.checker.check_model(model, full_check=True)
        onnx.save(model, os.path.join(out, name))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--examples", type=int, default=64)
    parser.add_argument("--k", type=int, default=5000)
    parser.add_argument("--model", choices=["linear-gaussian", "sigmoid-belief-net"], default="linear-gaussian")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    if args.model == "sigmoid-belief-net":
        expected = sigmoid_belief_net(args, rng)
        with open(os.path.join(args.out, "expected.json"), "w") as f:
            json.dump(expected, f)
        print(
            "wrote enc.onnx, dec.onnx, model.json, expected.json to %s: log p(x) %.5f exact (64 states),"
            " IW-LL k=%d %.5f (Monte Carlo SE %.5f), rate %.5f nats"
            % (args.out, expected["log_px_exact"], args.k, expected["iwll_numpy"], expected["iwll_mc_se"], expected["rate_exact"])
        )
        return

    w, b, a, logvar = model_parameters(rng)
    # What the graphs hold is float32: every figure below uses the rounded weights.
    w, b, a, logvar = (np.asarray(v, dtype=np.float32).astype(np.float64) for v in (w, b, a, logvar))
    write_graphs(args.out, w, b, a, logvar)
    spec = {
        "inputDim": D,
        "latent": {"name": "z1", "dim": LATENT, "family": "gaussian"},
        "likelihood": "gaussian_fixed",
        "likelihoodSigma": SIGMA,
        "encoder": {"input": "x", "outputs": {"mean": "mean", "logvar": "logvar"}},
        "decoder": {"input": "z", "outputs": {"mean": "x_mean"}},
        "description": "linear-Gaussian VAE written by numpy + onnx (examples/byo-onnx)",
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(spec, f, indent=2)

    cov = w @ w.T + SIGMA**2 * np.eye(D)
    z = rng.standard_normal((args.examples, LATENT))
    x = (z @ w.T + b + SIGMA * rng.standard_normal((args.examples, D))).astype(np.float32).astype(np.float64)

    diff = x - b
    _, logdet = np.linalg.slogdet(cov)
    maha = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff)
    log_px = -0.5 * (D * math.log(2 * math.pi) + logdet + maha)

    lw = log_weights(rng, x, w, b, a, logvar, args.k)
    iw = logmeanexp(lw, axis=1)
    # The spread of one k-sample estimate, by the delta method from many draws per example.
    big = log_weights(rng, x, w, b, a, logvar, 20000)
    ratio = np.exp(big - np.max(big, axis=1, keepdims=True))
    rel_var = np.var(ratio, axis=1) / np.mean(ratio, axis=1) ** 2
    mc_se = math.sqrt(np.sum(rel_var / args.k)) / args.examples

    mean = diff @ a.T
    var = np.exp(logvar)
    kl = 0.5 * np.sum(var + mean**2 - 1 - logvar, axis=1)
    # I_q(x; z) = H[q(z)] - E_x H[q(z|x)] with q(z) = N(-A b + A b, A cov A^T + diag var).
    agg = a @ cov @ a.T + np.diag(var)
    mi = 0.5 * np.linalg.slogdet(agg)[1] - 0.5 * np.sum(logvar)

    expected = {
        "examples": args.examples,
        "inputDim": D,
        "k": args.k,
        "x": x.tolist(),
        "log_px_exact": float(np.mean(log_px)),
        "iwll_numpy": float(np.mean(iw)),
        "iwll_mc_se": mc_se,
        "rate_exact": float(np.mean(kl)),
        "mi_exact_q": float(mi),
    }
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f)
    print(
        "wrote enc.onnx, dec.onnx, model.json, expected.json to %s: log p(x) %.5f exact, IW-LL k=%d %.5f"
        " (Monte Carlo SE %.5f), rate %.5f, I_q(x;z) %.5f nats"
        % (args.out, expected["log_px_exact"], args.k, expected["iwll_numpy"], mc_se, expected["rate_exact"], mi)
    )


if __name__ == "__main__":
    main()
