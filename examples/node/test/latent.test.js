'use strict';
// Unit tests of the family-neutral reading of LatentDistribution: `npm test` (no server needed).

const test = require('node:test');
const assert = require('node:assert/strict');
const { encodeFloat32 } = require('../tensor');
const { decodeDistribution } = require('../latent');
const { loadInferenceService } = require('../client');

test('a Gaussian layer reads mean and log variance from the gaussian case', () => {
  const decoded = decodeDistribution({
    layer: 'z1',
    params: 'gaussian',
    gaussian: { mean: encodeFloat32([1, 2], [0.5, -1]), logVariance: encodeFloat32([1, 2], [0, 0.25]) },
    sample: encodeFloat32([1, 2], [0.75, -2]),
  });
  assert.equal(decoded.family, 'gaussian');
  assert.deepEqual(Object.keys(decoded.parameters), ['mean', 'logVariance']);
  assert.deepEqual(Array.from(decoded.parameters.mean.values), [0.5, -1]);
  assert.deepEqual(Array.from(decoded.parameters.logVariance.values), [0, 0.25]);
  assert.deepEqual(Array.from(decoded.sample.values), [0.75, -2]);
});

test('a Bernoulli layer reads logits from the bernoulli case, and its sample is 0 or 1', () => {
  const decoded = decodeDistribution({
    layer: 'z2',
    params: 'bernoulli',
    bernoulli: { logits: encodeFloat32([1, 3], [2, -1, 0]) },
    sample: encodeFloat32([1, 3], [1, 0, 1]),
  });
  assert.equal(decoded.family, 'bernoulli');
  assert.deepEqual(Object.keys(decoded.parameters), ['logits']);
  assert.deepEqual(Array.from(decoded.parameters.logits.values), [2, -1, 0]);
  assert.deepEqual(Array.from(decoded.sample.values), [1, 0, 1]);
});

test('a layer without a sample decodes the sample as null', () => {
  const decoded = decodeDistribution({
    layer: 'z1',
    params: 'bernoulli',
    bernoulli: { logits: encodeFloat32([1, 1], [3]) },
    sample: null,
  });
  assert.equal(decoded.sample, null);
});

test('a layer without a known case is an error naming the layer', () => {
  assert.throws(() => decodeDistribution({ layer: 'z3', params: undefined }), /layer z3 carries no parameters of a known family/);
});

test('the .proto files define the params oneof with both families', () => {
  const Inference = loadInferenceService(require('../client').DEFAULT_PROTO_DIR);
  const encode = Inference.service.Encode;
  const response = encode.responseDeserialize(
    encode.responseSerialize({
      layers: [
        { layer: 'z1', bernoulli: { logits: encodeFloat32([1, 1], [1.5]) } },
        { layer: 'z2', gaussian: { mean: encodeFloat32([1, 1], [0]), logVariance: encodeFloat32([1, 1], [0]) } },
      ],
    }),
  );
  assert.deepEqual(
    response.layers.map((l) => l.params),
    ['bernoulli', 'gaussian'],
  );
  assert.deepEqual(Array.from(decodeDistribution(response.layers[0]).parameters.logits.values), [1.5]);
});
