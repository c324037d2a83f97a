/**
 * The one call every node makes: the connector's URL and the API key from the credentials, JSON both
 * ways; the connector's error ({error: {code, message, fields}}) is what n8n shows.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	ILoadOptionsFunctions,
	IPollFunctions,
	INodePropertyOptions,
} from 'n8n-workflow';

import { catalog } from './catalog';

export const CREDENTIALS = 'sevenStampApi';

type Caller = IExecuteFunctions | IHookFunctions | ILoadOptionsFunctions | IPollFunctions;

export interface Answer {
	body: unknown;
	headers: Record<string, string>;
	statusCode: number;
}

export async function connectorRequest(
	this: Caller,
	method: IHttpRequestMethods,
	path: string,
	options: { body?: IDataObject; qs?: IDataObject; ignoreHttpStatusErrors?: boolean } = {},
): Promise<Answer> {
	const credentials = await this.getCredentials(CREDENTIALS);
	const base = String(credentials.url || catalog.apiUrl).replace(/\/+$/, '');
	return (await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIALS, {
		method,
		url: `${base}${path}`,
		body: options.body,
		qs: options.qs,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: options.ignoreHttpStatusErrors ?? false,
	})) as Answer;
}

/** The values the user set: empty text, empty lists and unset options are not sent, so the connector sees them as absent. */
export function given(values: IDataObject): IDataObject {
	return Object.fromEntries(
		Object.entries(values).filter(
			([, value]) => value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0),
		),
	);
}

/** A dropdown source of the connector (`/v1/options/...`) as n8n options. */
export async function dropdown(this: ILoadOptionsFunctions, source: string): Promise<INodePropertyOptions[]> {
	const option = catalog.options.find((o) => o.key === source);
	if (!option) {
		return [];
	}
	const answer = await connectorRequest.call(this, 'GET', option.path);
	return (answer.body as Array<{ id: string; label: string }>).map((o) => ({ name: o.label, value: o.id }));
}

/** One loadOptions method per dropdown source, named after it (`card-templates` -> `cardTemplates`). */
export const loadOptions = Object.fromEntries(
	catalog.options.map((o) => [
		methodName(o.key),
		async function (this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
			return await dropdown.call(this, o.key);
		},
	]),
);

export function methodName(source: string): string {
	return source.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
