'use strict';
/**
 * @@SOURCE@@ as an instant (REST hook) trigger; performList lists recent events for samples.
 * Generated: change the definition and export again.
 */
const connector = require('../lib/connector');

const EVENT = @@KEY@@;
const FILTERS = @@FILTERS@@;

module.exports = {
  key: EVENT,
  noun: @@NOUN@@,
  display: @@DISPLAY@@,
  operation: {
    type: 'hook',
    inputFields: @@INPUT_FIELDS@@,
    performSubscribe: (z, bundle) => connector.subscribe(z, bundle, EVENT, FILTERS),
    performUnsubscribe: (z, bundle) => connector.unsubscribe(z, bundle),
    perform: (z, bundle) => [bundle.cleanedRequest],
    performList: (z, bundle) => connector.recentEvents(z, bundle, EVENT, FILTERS),
    sample: @@SAMPLE@@,
    outputFields: @@OUTPUT_FIELDS@@,
  },
};
