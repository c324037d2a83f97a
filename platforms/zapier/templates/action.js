'use strict';
/**
 * @@SOURCE@@ as a Zapier @@KIND@@: @@METHOD@@ @@PATH_TEXT@@.
 * Generated: change the definition and export again.
 */
const connector = require('../lib/connector');

const PATH = @@PATH@@;

module.exports = {
  key: @@KEY@@,
  noun: @@NOUN@@,
  display: @@DISPLAY@@,
  operation: {
    inputFields: @@INPUT_FIELDS@@,
    perform: (z, bundle) => connector.@@CALL@@(z, bundle, PATH, module.exports.operation.inputFields),
    sample: @@SAMPLE@@,
    outputFields: @@OUTPUT_FIELDS@@,
  },
};
