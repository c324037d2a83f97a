import { createHmac, timingSafeEqual } from 'crypto';
import {
	NodeConnectionTypes,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { chosenFilters, triggerProperties } from '../shared/properties';
import { connectorRequest, CREDENTIALS, loadOptions } from '../shared/transport';

const TOLERANCE_SECONDS = 5 * 60;

/** Whether a delivery carries a valid Standard Webhooks signature of this subscription's secret, made within five minutes. */
function signedBy(secret: string, headers: IDataObject, body: Buffer): boolean {
	const id = String(headers['webhook-id'] ?? '');
	const timestamp = String(headers['webhook-timestamp'] ?? '');
	if (!id || !/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) {
		return false;
	}
	const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
	const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
	return String(headers['webhook-signature'] ?? '')
		.split(' ')
		.map((part) => Buffer.from(part.replace(/^v1,/, ''), 'base64'))
		.some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}

/** An instant trigger: activating the workflow subscribes its webhook URL through the connector's /v1/hooks. */
export class SevenStampTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: '7stamp Trigger',
		name: 'sevenStampTrigger',
		icon: { light: 'file:sevenstamp.svg', dark: 'file:sevenstamp.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"]}}',
		description: 'Starts the workflow the moment a 7stamp event happens (stamps, goals, vouchers, birthdays...)',
		defaults: { name: '7stamp Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIALS, required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: triggerProperties(),
	};

	methods = { loadOptions };

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const state = this.getWorkflowStaticData('node');
				if (!state.hookId) {
					return false;
				}
				const answer = await connectorRequest.call(this, 'GET', '/v1/hooks');
				const hooks = answer.body as Array<{ id: string; target_url: string }>;
				return hooks.some((hook) => hook.id === state.hookId && hook.target_url === this.getNodeWebhookUrl('default'));
			},
			async create(this: IHookFunctions): Promise<boolean> {
				const event = this.getNodeParameter('event') as string;
				const filters = chosenFilters(event, (name) => this.getNodeParameter(name, []) as string[]);
				const answer = await connectorRequest.call(this, 'POST', '/v1/hooks', {
					body: { event, target_url: this.getNodeWebhookUrl('default'), filters },
				});
				const hook = answer.body as { id: string; secret: string };
				const state = this.getWorkflowStaticData('node');
				state.hookId = hook.id;
				state.secret = hook.secret;
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const state = this.getWorkflowStaticData('node');
				if (state.hookId) {
					// A subscription already gone (404) is what deleting wants.
					const answer = await connectorRequest.call(this, 'DELETE', `/v1/hooks/${encodeURIComponent(String(state.hookId))}`, { ignoreHttpStatusErrors: true });
					if (answer.statusCode >= 400 && answer.statusCode !== 404) {
						return false;
					}
				}
				delete state.hookId;
				delete state.secret;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject();
		const secret = String(this.getWorkflowStaticData('node').secret ?? '');
		const raw = (request as unknown as { rawBody?: Buffer }).rawBody ?? Buffer.from(JSON.stringify(request.body));
		if (!secret || !signedBy(secret, this.getHeaderData() as IDataObject, raw)) {
			this.getResponseObject().status(401).json({ error: 'The delivery is not signed by this subscription' });
			return { noWebhookResponse: true };
		}
		return { workflowData: [this.helpers.returnJsonArray(this.getBodyData())] };
	}
}
