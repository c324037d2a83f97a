'use strict';
/** A 7stamp API key, sent as X-API-Key; the connection is labelled with the key's location. */
const connector = require('./lib/connector');

module.exports = {
  type: 'custom',
  fields: [
    {
      key: 'api_key',
      label: @@LABEL@@,
      type: 'password',
      required: true,
      helpText: @@HELP@@,
    },
  ],
  test: (z, bundle) => connector.me(z, bundle),
  connectionLabel: (z, bundle) => bundle.inputData.location_name,
};
