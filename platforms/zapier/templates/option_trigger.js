'use strict';
/**
 * The @@LABEL_TEXT@@ dropdown: a hidden trigger that reads @@PATH_TEXT@@.
 * Generated: change the option sources in chalicelib/contract/catalog.py and export again.
 */
const connector = require('../lib/connector');

module.exports = {
  key: @@KEY@@,
  noun: @@NOUN@@,
  display: @@DISPLAY@@,
  operation: {
    type: 'polling',
    perform: (z, bundle) => connector.options(z, bundle, @@PATH@@),
    sample: @@SAMPLE@@,
    outputFields: @@OUTPUT_FIELDS@@,
  },
};
