"""latentserve from Python, step by step: train a VAE, evaluate it, load the report, plot IW-LL
against k. Read it as a notebook: each `# %%` block is one cell (VS Code and Jupytext run them so).

Start the three services first (README, "Step by step"), then:

    pip install -e examples/python tqdm matplotlib
    python examples/python/walkthrough.py --inference localhost:50051 \
        --trainer localhost:50052 --evaluator localhost:50053

It trains `--model` (the IWAE paper's 1-layer architecture unless --layer is given) on
`--dataset`, waits until inference-service serves the published version, evaluates it, and writes
iwll_vs_k.png into --out.
"""

# %% Settings
import argparse
import json
import math
import pathlib
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--inference", default="localhost:50051")
parser.add_argument("--trainer", default="localhost:50052")
parser.add_argument("--evaluator", default="localhost:50053")
parser.add_argument("--model", default="py-walkthrough")
parser.add_argument("--dataset", default="mnist-10k")
parser.add_argument("--layer", action="append", default=[], help="LATENT:HIDDEN,HIDDEN (repeatable); default: preset iwae1")
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--eval-k", type=int, default=1000)
parser.add_argument("--eval-examples", type=int, default=1000)
parser.add_argument("--token", default=None, help="bearer token, for servers that ask for one")
parser.add_argument("--out", default=".")
args = parser.parse_args()
out = pathlib.Path(args.out)
out.mkdir(parents=True, exist_ok=True)

# %% Connect: one Client for the three services; every call has a deadline
from latentserve import Client, LatentserveError
from latentserve.v1 import trainer_pb2

client = Client(args.inference, trainer=args.trainer, evaluator=args.evaluator, token=args.token)

# %% Train: an IWAE with k=5; progress=True draws a tqdm bar over the job's steps
layers = [(int(l.split(":")[0]), [int(h) for h in l.split(":")[1].split(",") if h]) for l in args.layer]
job = client.train(
    args.model,
    args.dataset,
    preset=None if layers else "iwae1",
    layers=layers or None,
    objective="iwae",
    k=5,
    epochs=args.epochs,
    seed=1,
    progress=True,
)
print(f"job {job.job_id}: {trainer_pb2.JobState.Name(job.state)}")
if not job.published.version:
    raise SystemExit(f"training did not publish a model: {job.reason}")
version = job.published.version
print(f"published {args.model}/{version}")

# %% Wait until inference-service has loaded the new version (it rescans its repository)
deadline = time.monotonic() + 120
while True:
    try:
        info = client.get_model(args.model, version)
        break
    except LatentserveError as e:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
print(f"served: {info.name}/{info.version}, latent layers {[(l.name, l.dim) for l in info.latent_layers]}")

# %% Use it: NumPy in, NumPy out
import numpy as np

drawn = client.sample(args.model, 4, seed=7, version=version)
weights = client.importance_weights(args.model, drawn.x_mean, k=100, seed=7, version=version)
print(f"log p(x) of 4 decoded prior samples, k=100: {np.round(weights.log_likelihood(), 2)} nats")

# %% Evaluate: IW-LL with its curve over k, ELBO, rates, active units, mutual information
report = client.evaluate(
    args.model,
    version=version,
    dataset=args.dataset,
    split="test",
    limit=args.eval_examples,
    k=args.eval_k,
    seed=1,
    progress=True,
)
print(f"IW-LL (k={report.k}) = {report.iwll.value:.2f} +- {report.iwll.standard_error:.2f} nats; "
      f"ELBO = {report.elbo.value:.2f}")

# %% Load the report JSON the evaluator wrote (on the evaluator's machine; here the same one)
path = pathlib.Path(report.json_path)
if path.is_file():
    saved = json.loads(path.read_text())
    curve = [(p["k"], p["logLikelihood"]["value"], p["logLikelihood"]["standardError"]) for p in saved["iwllCurve"]]
    print(f"loaded {path}")
else:  # the evaluator runs elsewhere: the same numbers are in the reply
    curve = [(p.k, p.log_likelihood.value, p.log_likelihood.standard_error) for p in report.iwll_curve]

# %% Plot IW-LL against k: the bound tightens as k grows (Burda et al. 2015)
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ks, values, errors = zip(*curve)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.errorbar(ks, values, yerr=errors, marker="o", capsize=3)
ax.set_xscale("log")
ax.set_xlabel("k (importance samples)")
ax.set_ylabel("IW-LL (nats)")
ax.set_title(f"{args.model}/{version} on {args.dataset} test")
fig.tight_layout()
png = out / "iwll_vs_k.png"
fig.savefig(png, dpi=100)
print(f"IW-LL against k: {', '.join(f'k={k}: {v:.2f}' for k, v, _ in curve if not math.isnan(v))}")
print(f"plot: {png}")
client.close()
