'use strict';
// latentserve.v1.Tensor <-> plain JavaScript values.
//
// A Tensor is a shape, a dtype and the elements as little-endian bytes in row-major order
// (proto/src/main/proto/latentserve/v1/tensor.proto). Every model input and output is float32, so this
// module reads float32 only. JavaScript numbers are float64: writing rounds each number to the nearest
// float32, and reading gives back exactly the float32 value the server sent. Inputs may also be sent as
// uint8, a quarter of the bytes, but only with an explicit encoding (the server refuses uint8 without
// one): encodePixels for 0..255 grey levels (divided by 255 by the server), encodeBinary for binarized
// 0/1 data (taken as it is).

const FLOAT32 = 'DATA_TYPE_FLOAT32';
const UINT8 = 'DATA_TYPE_UINT8';
const PIXELS_0_255 = 'VALUE_ENCODING_PIXELS_0_255';
const UNIT_INTERVAL = 'VALUE_ENCODING_UNIT_INTERVAL';
const FLOAT32_BYTES = 4;

/** Number of elements of a tensor of this shape. */
function elementCount(shape) {
  return shape.reduce((count, d) => count * d, 1);
}

/**
 * Encodes values as a float32 Tensor message.
 *
 * @param {number[]} shape dimensions, outermost first, e.g. [N, 784]
 * @param {ArrayLike<number>} values elements in row-major order; product(shape) of them
 * @returns {{shape: number[], dtype: string, data: Buffer}} a latentserve.v1.Tensor for @grpc/proto-loader
 */
function encodeFloat32(shape, values) {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`shape must be non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const count = elementCount(shape);
  if (values.length !== count) {
    throw new RangeError(`shape [${shape.join(', ')}] needs ${count} values, got ${values.length}`);
  }
  const data = Buffer.alloc(count * FLOAT32_BYTES);
  for (let i = 0; i < count; i++) {
    data.writeFloatLE(values[i], i * FLOAT32_BYTES);
  }
  return { shape, dtype: FLOAT32, data };
}

function checkShape(shape, values) {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`shape must be non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const count = elementCount(shape);
  if (values.length !== count) {
    throw new RangeError(`shape [${shape.join(', ')}] needs ${count} values, got ${values.length}`);
  }
  return count;
}

/**
 * Encodes 0..255 grey levels as a uint8 Tensor with VALUE_ENCODING_PIXELS_0_255: the server divides each
 * byte by 255.
 *
 * @param {number[]} shape dimensions, e.g. [N, 784]
 * @param {ArrayLike<number>} pixels integers 0..255, row-major
 */
function encodePixels(shape, pixels) {
  const count = checkShape(shape, pixels);
  const data = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    const p = pixels[i];
    if (!Number.isInteger(p) || p < 0 || p > 255) {
      throw new RangeError(`pixel ${i} is ${p}, expected an integer 0..255`);
    }
    data[i] = p;
  }
  return { shape, dtype: UINT8, encoding: PIXELS_0_255, data };
}

/**
 * Encodes binarized data (every value 0 or 1) as a uint8 Tensor with VALUE_ENCODING_UNIT_INTERVAL: the
 * server takes each byte as it is, so a 1 stays 1 (with pixels it would become 1/255).
 *
 * @param {number[]} shape dimensions, e.g. [N, 784]
 * @param {ArrayLike<number>} values 0 or 1, row-major
 */
function encodeBinary(shape, values) {
  const count = checkShape(shape, values);
  const data = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    if (values[i] !== 0 && values[i] !== 1) {
      throw new RangeError(`value ${i} is ${values[i]}, expected 0 or 1`);
    }
    data[i] = values[i];
  }
  return { shape, dtype: UINT8, encoding: UNIT_INTERVAL, data };
}

/**
 * Decodes a float32 Tensor message received from the server.
 *
 * @param {string} field name of the response field, for error messages
 * @param {{shape: Array<string|number>, dtype: string, data: Buffer}} tensor as @grpc/proto-loader decodes it
 * @returns {{shape: number[], values: Float32Array}}
 */
function decodeFloat32(field, tensor) {
  if (tensor == null) {
    throw new TypeError(`${field} is missing`);
  }
  if (tensor.dtype !== FLOAT32) {
    throw new TypeError(`${field} has dtype ${tensor.dtype}, expected ${FLOAT32}`);
  }
  const shape = tensor.shape.map(Number);
  const count = elementCount(shape);
  if (tensor.data.length !== count * FLOAT32_BYTES) {
    throw new RangeError(
      `${field}.data has ${tensor.data.length} bytes, shape [${shape.join(', ')}] float32 needs ${count * FLOAT32_BYTES}`,
    );
  }
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    values[i] = tensor.data.readFloatLE(i * FLOAT32_BYTES);
  }
  return { shape, values };
}

module.exports = { FLOAT32, elementCount, encodeFloat32, encodePixels, encodeBinary, decodeFloat32 };
