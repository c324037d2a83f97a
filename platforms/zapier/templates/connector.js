'use strict';
/**
 * What every trigger, create and search of this app shares: the connector's address, the API key
 * header, the connector's errors turned into Zapier's, and the one call behind each operation.
 */

const API_URL = @@API_URL@@;
const RECENT_EVENTS = @@POLL_LIMIT_DEFAULT@@;
const MOST_EVENTS = @@POLL_LIMIT_MAX@@;

/** The fields the user filled in: empty values are not sent, so the connector sees them as absent. */
const clean = (data) =>
  Object.fromEntries(
    Object.entries(data || {}).filter(
      ([, value]) =>
        value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0),
    ),
  );

const addApiKey = (request, z, bundle) => {
  request.headers = { Accept: 'application/json', ...request.headers };
  if (bundle.authData && bundle.authData.api_key) {
    request.headers['X-API-Key'] = bundle.authData.api_key;
  }
  return request;
};

/** The connector's error as a Zapier error: its message with each field's reason, its code and status. */
const errorFor = (response, z) => {
  if (response.status < 400) {
    return null;
  }
  const error = (response.data && response.data.error) || {};
  const code = error.code || `http_${response.status}`;
  let message = error.message || `The 7stamp connector answered ${response.status}`;
  const reasons = Object.entries(error.fields || {})
    .map(([field, reason]) => `${field} ${Array.isArray(reason) ? reason.join(', ') : reason}`)
    .filter((reason) => !message.includes(reason));
  if (reasons.length) {
    message = `${message} (${reasons.join('; ')})`;
  }
  if (response.status === 429) {
    const delay = parseInt(response.getHeader('retry-after') || '60', 10);
    return new z.errors.ThrottledError(message, Number.isNaN(delay) ? 60 : delay);
  }
  if (response.status === 401) {
    return new z.errors.Error(message, 'AuthenticationError', 401);
  }
  if (response.status === 409) {
    // A refusal by a business rule (already_redeemed, voucher_expired...): this run stops, and it does not
    // count toward Zapier switching the Zap off as an error would.
    return new z.errors.HaltedError(`${message} [${code}]`);
  }
  return new z.errors.Error(message, code, response.status);
};

const raiseForError = (response, z) => {
  const error = response.skipThrowForStatus ? null : errorFor(response, z);
  if (error) {
    throw error;
  }
  return response;
};

const call = async (z, { path, ...request }) => (await z.request({ ...request, url: `${API_URL}${path}` })).data;

const me = (z) => call(z, { path: '/v1/me' });

const wantedFilters = (bundle, filters) => clean(Object.fromEntries(filters.map(({ key }) => [key, bundle.inputData[key]])));

const subscribe = (z, bundle, event, filters) =>
  call(z, {
    path: '/v1/hooks',
    method: 'POST',
    body: { event, target_url: bundle.targetUrl, filters: wantedFilters(bundle, filters) },
  });

/** Unsubscribing what is already gone (the connector drops a hook its target answered 410 to) is not an error. */
const unsubscribe = async (z, bundle) => {
  const response = await z.request({
    url: `${API_URL}/v1/hooks/${encodeURIComponent(bundle.subscribeData.id)}`,
    method: 'DELETE',
    skipThrowForStatus: true,
  });
  const error = response.status === 404 ? null : errorFor(response, z);
  if (error) {
    throw error;
  }
  return { id: bundle.subscribeData.id };
};

/** Recent events, newest first, filtered by the connector as a subscription would be; the trigger's sample when none happened yet. */
const recentEvents = (z, bundle, event, filters) => {
  const wanted = Object.entries(wantedFilters(bundle, filters)).map(([key, value]) => [key, [].concat(value).join(',')]);
  const limit = bundle.meta && bundle.meta.limit > 0 ? Math.min(bundle.meta.limit, MOST_EVENTS) : RECENT_EVENTS;
  return call(z, { path: `/v1/triggers/${event}`, params: { ...Object.fromEntries(wanted), samples: 1, limit } });
};

/** Zapier may hand typed fields over as text ("2", "true"); the connector's JSON contract wants them typed. */
const typed = (data, fields) =>
  Object.fromEntries(
    Object.entries(data).map(([key, value]) => {
      const type = (fields.find((f) => f.key === key) || {}).type;
      if (typeof value === 'string' && (type === 'integer' || type === 'number') && /^-?[0-9]+(\.[0-9]+)?$/.test(value.trim())) {
        return [key, Number(value.trim())];
      }
      if (typeof value === 'string' && type === 'boolean' && ['true', 'false'].includes(value.trim().toLowerCase())) {
        return [key, value.trim().toLowerCase() === 'true'];
      }
      return [key, value];
    }),
  );

const create = (z, bundle, path, fields = []) => call(z, { path, method: 'POST', body: typed(clean(bundle.inputData), fields) });

const search = (z, bundle, path) => call(z, { path, params: clean(bundle.inputData) });

const options = (z, bundle, path) => call(z, { path });

module.exports = { addApiKey, raiseForError, me, subscribe, unsubscribe, recentEvents, create, search, options };
