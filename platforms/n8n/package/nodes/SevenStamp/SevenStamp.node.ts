import {
	NodeApiError,
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import { actionFor, actionProperties, SIMPLIFY, simplified } from '../shared/properties';
import { connectorRequest, CREDENTIALS, given, loadOptions } from '../shared/transport';

/** Every action and search of the connector: issue cards, add stamps, vouchers, find customers, card history... */
export class SevenStamp implements INodeType {
	description: INodeTypeDescription = {
		displayName: '7stamp',
		name: 'sevenStamp',
		icon: { light: 'file:sevenstamp.svg', dark: 'file:sevenstamp.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Issue wallet loyalty cards, add stamps, create and redeem vouchers, find customers with 7stamp',
		defaults: { name: '7stamp' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIALS, required: true }],
		properties: actionProperties(),
	};

	methods = { loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			const action = actionFor(this.getNodeParameter('operation', i) as string);
			const values = given(Object.fromEntries(action.inputs.map((f) => [f.key, this.getNodeParameter(f.key, i, '') as IDataObject[string]])));
			try {
				const answer = await connectorRequest.call(this, action.method, action.path, action.kind === 'create' ? { body: values } : { qs: values });
				let results = (Array.isArray(answer.body) ? answer.body : [answer.body]) as IDataObject[];
				if (action.kind === 'search' && (this.getNodeParameter(SIMPLIFY, i, true) as boolean)) {
					results = results.map((record) => simplified(record, action.outputs));
				}
				out.push(...results.map((json) => ({ json, pairedItem: { item: i } })));
			} catch (error) {
				if (this.continueOnFail()) {
					out.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				throw new NodeApiError(this.getNode(), error as JsonObject, { itemIndex: i });
			}
		}
		return [out];
	}
}
