import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { chosenFilters, triggerProperties } from '../shared/properties';
import { connectorRequest, CREDENTIALS, loadOptions } from '../shared/transport';

const MOST_PER_POLL = 100;

/**
 * A polling trigger for instances the connector cannot reach: each poll asks
 * `GET /v1/triggers/{event}?since=<the newest id seen>` with the event's filters, so no event is
 * skipped or seen twice; the first poll of an active workflow only notes where "now" is.
 */
export class SevenStampPollTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: '7stamp Polling Trigger',
		name: 'sevenStampPollTrigger',
		icon: { light: 'file:sevenstamp.svg', dark: 'file:sevenstamp.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"]}}',
		description: 'Starts the workflow on new 7stamp events, asking the connector on a schedule',
		defaults: { name: '7stamp Polling Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIALS, required: true }],
		properties: triggerProperties(),
	};

	methods = { loadOptions };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const event = this.getNodeParameter('event') as string;
		const state = this.getWorkflowStaticData('node');
		const filters = Object.fromEntries(
			Object.entries(chosenFilters(event, (name) => this.getNodeParameter(name, []) as string[])).map(([key, wanted]) => [key, wanted.join(',')]),
		);
		const manual = this.getMode() === 'manual';
		const qs: IDataObject = { ...filters, limit: manual ? 1 : MOST_PER_POLL };
		if (manual) {
			qs.samples = 1;
		} else if (state.since) {
			qs.since = state.since;
		}
		const answer = await connectorRequest.call(this, 'GET', `/v1/triggers/${encodeURIComponent(event)}`, { qs });
		const records = answer.body as IDataObject[];
		if (manual) {
			return records.length ? [this.helpers.returnJsonArray(records)] : null;
		}
		const next = answer.headers['x-next-cursor'];
		const first = !state.started;
		state.started = true;
		if (next) {
			state.since = next;
		}
		return first || !records.length ? null : [this.helpers.returnJsonArray(records.reverse())];
	}
}
