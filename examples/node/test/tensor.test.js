'use strict';
// Unit tests of the tensor codec and the estimator helper: `npm test` (no server needed).

const test = require('node:test');
const assert = require('node:assert/strict');
const { encodeFloat32, encodePixels, encodeBinary, decodeFloat32 } = require('../tensor');
const { logMeanExp, loadInferenceService } = require('../client');

test('encodeFloat32 writes little-endian IEEE 754 single precision, row-major', () => {
  const tensor = encodeFloat32([2, 2], [1, -2, 0.5, 0]);
  assert.deepEqual(tensor.shape, [2, 2]);
  assert.equal(tensor.dtype, 'DATA_TYPE_FLOAT32');
  assert.equal(tensor.data.toString('hex'), '0000803f' + '000000c0' + '0000003f' + '00000000');
});

test('encodeFloat32 rounds to the nearest float32, and decodeFloat32 returns exactly that value', () => {
  const decoded = decodeFloat32('x', encodeFloat32([3], [0.1, 1 / 3, -1e-40]));
  assert.deepEqual(decoded.shape, [3]);
  assert.deepEqual(Array.from(decoded.values), [Math.fround(0.1), Math.fround(1 / 3), Math.fround(-1e-40)]);
});

test('encodeFloat32 with a value count that does not match the shape throws', () => {
  assert.throws(() => encodeFloat32([2, 3], [1, 2, 3]), /shape \[2, 3\] needs 6 values, got 3/);
});

test('decodeFloat32 with too few bytes for the shape names the field', () => {
  const tensor = { shape: ['2'], dtype: 'DATA_TYPE_FLOAT32', data: Buffer.alloc(4) };
  assert.throws(() => decodeFloat32('log_pz', tensor), /log_pz.data has 4 bytes, shape \[2\] float32 needs 8/);
});

test('decodeFloat32 with another dtype throws', () => {
  const tensor = { shape: ['1'], dtype: 'DATA_TYPE_UINT8', data: Buffer.alloc(1) };
  assert.throws(() => decodeFloat32('x', tensor), /dtype DATA_TYPE_UINT8/);
});

test('encodeBinary sends 0/1 bytes that say they are already in the unit interval', () => {
  const tensor = encodeBinary([2, 2], [0, 1, 1, 0]);
  assert.equal(tensor.dtype, 'DATA_TYPE_UINT8');
  assert.equal(tensor.encoding, 'VALUE_ENCODING_UNIT_INTERVAL');
  assert.equal(tensor.data.toString('hex'), '00010100');
  assert.throws(() => encodeBinary([1], [0.5]), /value 0 is 0.5, expected 0 or 1/);
});

test('encodePixels sends grey levels that say they are 0..255', () => {
  const tensor = encodePixels([3], [0, 128, 255]);
  assert.equal(tensor.encoding, 'VALUE_ENCODING_PIXELS_0_255');
  assert.equal(tensor.data.toString('hex'), '0080ff');
  assert.throws(() => encodePixels([1], [256]), /pixel 0 is 256/);
});

test('the loaded protos serialize a uint8 x with its encoding', () => {
  const Inference = loadInferenceService(require('../client').DEFAULT_PROTO_DIR);
  const encode = Inference.service.Encode;
  const bytes = encode.requestSerialize({ x: encodeBinary([1, 2], [1, 0]) });
  const back = encode.requestDeserialize(bytes);
  assert.equal(back.x.dtype, 'DATA_TYPE_UINT8');
  assert.equal(back.x.encoding, 'VALUE_ENCODING_UNIT_INTERVAL');
  assert.equal(back.x.data.toString('hex'), '0100');
});

test('logMeanExp of large negative log weights neither underflows nor loses the mean', () => {
  assert.equal(logMeanExp([-1000, -1000]), -1000);
  assert.ok(Math.abs(logMeanExp([-1000, -1000 + Math.log(3)]) - (-1000 + Math.log(2))) < 1e-12);
});

test('the project protos load and define every Inference RPC', () => {
  const Inference = loadInferenceService(require('../client').DEFAULT_PROTO_DIR);
  const methods = Object.keys(Inference.service);
  for (const rpc of ['ListModels', 'GetModel', 'Encode', 'Decode', 'Sample', 'LogProb', 'ImportanceWeights']) {
    assert.ok(methods.includes(rpc), `${rpc} in ${methods}`);
  }
  assert.equal(Inference.service.ImportanceWeights.responseStream, true);
});
