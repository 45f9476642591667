#!/usr/bin/env node
'use strict';
// A latentserve inference-service client in Node.js: loads the project's .proto files at run time (no generated
// code, no copies), then calls GetModel, Encode, LogProb and the server-streaming ImportanceWeights on one model
// version and prints what came back. See README.md.

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { encodeFloat32, decodeFloat32 } = require('./tensor');
const { decodeDistribution } = require('./latent');

// The API's .proto files, where they live in this repository.
const DEFAULT_PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto', 'src', 'main', 'proto');

const USAGE = `usage: node client.js [options]

Calls GetModel, Encode (with samples), LogProb (x and the encoder's samples) and ImportanceWeights
(server stream) on one version of a model served by latentserve's inference-service.

options:
  --target HOST:PORT   inference-service address (env LATENTSERVE_INFERENCE_TARGET; default localhost:50051)
  --model NAME         model name (default demo)
  --version N          model version, 0 for the latest (default 0)
  --input FILE         input batch as JSON {"shape": [N, D], "data": [N*D numbers, row-major]};
                       without it, --rows synthetic rows x[i][j] = ((37 i + 11 j) mod 256) / 255
  --rows N             rows of the synthetic input (default 2)
  --seed S             seed of Encode's samples and of the importance samples, 0 to 2^64-1 (default 1)
  --k K                importance samples per row (default 100)
  --chunk-size C       importance samples per streamed chunk, 0 lets the server choose (default 0)
  --timeout SECONDS    deadline of each call (default 30)
  --json FILE          also write every returned tensor to FILE as JSON
  --proto-dir DIR      root of the .proto files (default ${path.relative(process.cwd(), DEFAULT_PROTO_DIR) || '.'})
  -h, --help           this text`;

class UsageError extends Error {}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string', default: process.env.LATENTSERVE_INFERENCE_TARGET || 'localhost:50051' },
      model: { type: 'string', default: 'demo' },
      version: { type: 'string', default: '0' },
      input: { type: 'string' },
      rows: { type: 'string', default: '2' },
      seed: { type: 'string', default: '1' },
      k: { type: 'string', default: '100' },
      'chunk-size': { type: 'string', default: '0' },
      timeout: { type: 'string', default: '30' },
      json: { type: 'string' },
      'proto-dir': { type: 'string', default: DEFAULT_PROTO_DIR },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const integer = (name, min) => {
    const text = values[name];
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
      throw new UsageError(`--${name} must be an integer >= ${min}, got ${text}`);
    }
    return n;
  };
  // uint64 seeds travel as decimal strings: a JavaScript number holds only 53 bits exactly.
  if (!/^\d+$/.test(values.seed) || BigInt(values.seed) >= 2n ** 64n) {
    throw new UsageError(`--seed must be an integer from 0 to 2^64-1, got ${values.seed}`);
  }
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) {
    throw new UsageError(`--timeout must be a positive number of seconds, got ${values.timeout}`);
  }
  return {
    help: values.help,
    target: values.target,
    model: values.model,
    version: integer('version', 0),
    input: values.input,
    rows: integer('rows', 1),
    seed: values.seed,
    k: integer('k', 1),
    chunkSize: integer('chunk-size', 0),
    timeoutMs: timeout * 1000,
    json: values.json,
    protoDir: values['proto-dir'],
  };
}

/** Loads latentserve.v1 from the .proto files; returns the Inference client constructor. */
function loadInferenceService(protoDir) {
  const definition = protoLoader.loadSync('latentserve/v1/inference.proto', {
    includeDirs: [protoDir],
    keepCase: false, // fields in camelCase: logVariance, firstRow, ...
    longs: String, // int64/uint64 as decimal strings: no silent loss above 2^53
    enums: String, // enum values by name: 'DATA_TYPE_FLOAT32'
    bytes: Buffer,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).latentserve.v1.Inference;
}

/** The input batch: from a JSON file, or synthetic rows of the model's input size. */
function inputBatch(options, features) {
  if (options.input) {
    const parsed = JSON.parse(fs.readFileSync(options.input, 'utf8'));
    if (!Array.isArray(parsed.shape) || !Array.isArray(parsed.data)) {
      throw new UsageError(`${options.input} must hold {"shape": [N, D], "data": [...]}`);
    }
    return { shape: parsed.shape, values: parsed.data.map(Number) };
  }
  const values = new Float64Array(options.rows * features);
  for (let i = 0; i < options.rows; i++) {
    for (let j = 0; j < features; j++) {
      values[i * features + j] = ((37 * i + 11 * j) % 256) / 255;
    }
  }
  return { shape: [options.rows, features], values };
}

/** A unary call as a promise, with a deadline. */
function unary(client, method, request, timeoutMs) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + timeoutMs }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** log((1/k) sum_j exp(a_j)), shifted by the maximum so that it neither overflows nor underflows. */
function logMeanExp(values) {
  const max = Math.max(...values);
  if (!Number.isFinite(max)) {
    return max;
  }
  let sum = 0;
  for (const v of values) {
    sum += Math.exp(v - max);
  }
  return max + Math.log(sum / values.length);
}

function modelName(ref) {
  return `${ref.name}/${ref.version}`;
}

function tensorJson({ shape, values }) {
  return { shape, data: Array.from(values) };
}

async function run(options) {
  const Inference = loadInferenceService(options.protoDir);
  const client = new Inference(options.target, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 << 20,
  });
  try {
    // Pin the version GetModel names, so that a version published meanwhile does not serve half the calls.
    const { model: info } = await unary(
      client,
      'GetModel',
      { model: { name: options.model, version: options.version } },
      options.timeoutMs,
    );
    const model = { name: info.name, version: info.version };
    const features = info.inputShape.map(Number).reduce((a, d) => a * d, 1);
    const family = (f) => f.replace(/^LATENT_FAMILY_/, '').toLowerCase();
    const layers = info.latentLayers.map((l) => `${l.name}[${l.dim}] ${family(l.family)}`).join(', ');
    const prior = info.prior.replace(/^PRIOR_/, '').toLowerCase();
    console.log(
      `model ${modelName(model)} on ${options.target}: input ${features}, latent ${layers}, prior ${prior}, ${info.device}`,
    );

    const input = inputBatch(options, features);
    const x = encodeFloat32(input.shape, input.values);
    const rows = input.shape[0];

    const encoded = await unary(
      client,
      'Encode',
      { model, x, sample: true, seed: options.seed, firstRow: 0 },
      options.timeoutMs,
    );
    // Each layer's parameters come in its family's case: gaussian {mean, logVariance}, bernoulli {logits}.
    const encodeLayers = encoded.layers.map(decodeDistribution);
    console.log(`Encode (${modelName(encoded.model)}), seed ${options.seed}:`);
    for (const layer of encodeLayers) {
      const [name, first] = Object.entries(layer.parameters)[0];
      const dim = first.shape[1];
      for (let i = 0; i < rows; i++) {
        const head = Array.from(first.values.subarray(i * dim, i * dim + 3), (v) => v.toFixed(4));
        console.log(`  row ${i} ${layer.layer} (${layer.family}): ${name} [${head.join(', ')}, ...] (${dim} dims)`);
      }
    }

    // z: the encoder's samples, so that log p(x|z) + log p(z) - log q(z|x) is a one-sample ELBO.
    const logProb = await unary(
      client,
      'LogProb',
      { model, x, z: encoded.layers.map((layer) => layer.sample) },
      options.timeoutMs,
    );
    const logPxGivenZ = decodeFloat32('log_px_given_z', logProb.logPxGivenZ);
    const logPz = decodeFloat32('log_pz', logProb.logPz);
    const logQzGivenX = decodeFloat32('log_qz_given_x', logProb.logQzGivenX);
    console.log(`LogProb (${modelName(logProb.model)}), z = the encoder's samples, nats:`);
    const elbo = [];
    for (let i = 0; i < rows; i++) {
      elbo.push(logPxGivenZ.values[i] + logPz.values[i] - logQzGivenX.values[i]);
      console.log(
        `  row ${i}: log p(x|z) ${logPxGivenZ.values[i].toFixed(3)}, log p(z) ${logPz.values[i].toFixed(3)}, ` +
          `log q(z|x) ${logQzGivenX.values[i].toFixed(3)}, one-sample ELBO ${elbo[i].toFixed(3)}`,
      );
    }

    // Server streaming: each chunk holds log w for a range of sample indices, for every row.
    const logWeights = new Float32Array(rows * options.k);
    const chunks = [];
    let iwModel = null;
    const stream = client.ImportanceWeights(
      { model, x, k: options.k, seed: options.seed, firstRow: 0, chunkSize: options.chunkSize },
      { deadline: Date.now() + options.timeoutMs },
    );
    for await (const chunk of stream) {
      const part = decodeFloat32(`chunk ${chunks.length} log_weights`, chunk.logWeights);
      const [partRows, count] = part.shape;
      if (partRows !== rows || chunk.sampleOffset + count > options.k) {
        throw new RangeError(`chunk at sample ${chunk.sampleOffset} has shape [${part.shape}], expected [${rows}, <= ${options.k - chunk.sampleOffset}]`);
      }
      for (let i = 0; i < rows; i++) {
        logWeights.set(part.values.subarray(i * count, (i + 1) * count), i * options.k + chunk.sampleOffset);
      }
      chunks.push({ sampleOffset: chunk.sampleOffset, count });
      iwModel = chunk.model;
    }
    const received = chunks.reduce((n, c) => n + c.count, 0);
    if (received !== options.k) {
      throw new RangeError(`ImportanceWeights streamed ${received} samples per row, expected ${options.k}`);
    }
    console.log(
      `ImportanceWeights (${modelName(iwModel)}), k ${options.k}, seed ${options.seed}, ${chunks.length} chunks:`,
    );
    const iwll = [];
    for (let i = 0; i < rows; i++) {
      iwll.push(logMeanExp(logWeights.subarray(i * options.k, (i + 1) * options.k)));
      console.log(`  row ${i}: log p(x) ~ log mean w = ${iwll[i].toFixed(3)} nats`);
    }

    if (options.json) {
      const ref = (r) => ({ name: r.name, version: Number(r.version) });
      const report = {
        target: options.target,
        model: ref(model),
        x: { shape: input.shape },
        seed: options.seed,
        k: options.k,
        encode: {
          model: ref(encoded.model),
          layers: encodeLayers.map((l) => ({
            layer: l.layer,
            family: l.family,
            parameters: Object.fromEntries(Object.entries(l.parameters).map(([name, t]) => [name, tensorJson(t)])),
            sample: tensorJson(l.sample),
          })),
        },
        logProb: {
          model: ref(logProb.model),
          logPxGivenZ: tensorJson(logPxGivenZ),
          logPz: tensorJson(logPz),
          logQzGivenX: tensorJson(logQzGivenX),
          layers: logProb.layers.map((l) => ({
            layer: l.layer,
            logPrior: tensorJson(decodeFloat32(`layers[${l.layer}].log_prior`, l.logPrior)),
            logPosterior: tensorJson(decodeFloat32(`layers[${l.layer}].log_posterior`, l.logPosterior)),
          })),
        },
        importanceWeights: {
          model: ref(iwModel),
          chunks,
          logWeights: tensorJson({ shape: [rows, options.k], values: logWeights }),
        },
        summary: { elbo, iwll },
      };
      // JSON has no NaN or infinities: write them as the strings "NaN", "Infinity", "-Infinity".
      const text = JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
      fs.writeFileSync(options.json, text + '\n');
      console.log(`wrote ${options.json}`);
    }
  } finally {
    client.close();
  }
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    await run(options);
    return 0;
  } catch (error) {
    if (typeof error.code === 'number' && error.details !== undefined) {
      // a gRPC status: name the code as the other latentserve clients do, e.g. NOT_FOUND
      const code = Object.keys(grpc.status).find((name) => grpc.status[name] === error.code);
      console.error(`error: ${code}: ${error.details}`);
    } else {
      console.error(`error: ${error.message}`);
    }
    return error instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}

module.exports = { loadInferenceService, logMeanExp, DEFAULT_PROTO_DIR };
