'use strict';
// A latent layer's distribution as the API returns it (latentserve.v1.LatentDistribution): its family's parameters
// arrive in one case of the `params` oneof, `gaussian` {mean, logVariance} or `bernoulli` {logits}.

const { decodeFloat32 } = require('./tensor');

// Each family's oneof case and parameter fields, in the order the family names them (model.proto's LatentFamily).
const FAMILIES = {
  gaussian: { field: 'gaussian', parameters: ['mean', 'logVariance'] },
  bernoulli: { field: 'bernoulli', parameters: ['logits'] },
};

/**
 * Decodes one LatentDistribution loaded with proto-loader's `oneofs: true`: returns
 * {layer, family, parameters: {name: {shape, values}}, sample: {shape, values} or null}.
 * Throws naming the layer when no known case is set.
 */
function decodeDistribution(distribution) {
  const family = distribution.params;
  const spec = FAMILIES[family];
  if (!spec) {
    throw new RangeError(
      `layer ${distribution.layer} carries no parameters of a known family (params: ${family}); ` +
        `known: ${Object.keys(FAMILIES).join(', ')}`,
    );
  }
  const parameters = {};
  for (const name of spec.parameters) {
    parameters[name] = decodeFloat32(`layers[${distribution.layer}].${family}.${name}`, distribution[spec.field][name]);
  }
  const sample = distribution.sample ? decodeFloat32(`layers[${distribution.layer}].sample`, distribution.sample) : null;
  return { layer: distribution.layer, family, parameters, sample };
}

module.exports = { decodeDistribution, FAMILIES };
