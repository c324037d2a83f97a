/**
 * The nodes' parameters, built from the catalog: every action and search as a resource and
 * operation with its inputs, every event with its filters.
 */
import type { IDataObject, INodeProperties, INodePropertyOptions, NodePropertyTypes } from 'n8n-workflow';

import { catalog, type Action, type Field } from './catalog';
import { methodName } from './transport';

export const IDEMPOTENCY_KEY = 'idempotency_key';

const TYPES: Record<string, NodePropertyTypes> = {
	string: 'string',
	integer: 'number',
	number: 'number',
	boolean: 'boolean',
	datetime: 'dateTime',
};

function resourceOf(action: Action): string {
	return action.resource.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

export const SIMPLIFY = 'simplify';

function choiceOptions(choices: string[]): INodePropertyOptions[] {
	return choices.map((choice) => ({ name: choice, value: choice }));
}

/** One input (or filter) as a parameter; a dropdown source loads its options from the connector. */
export function parameter(field: Field, show: Record<string, string[]>): INodeProperties {
	const multiple = field.list;
	const property: INodeProperties = {
		displayName: field.label,
		name: field.key,
		type: TYPES[field.type] ?? 'string',
		default: field.default ?? (field.type === 'boolean' ? false : multiple ? [] : ''),
		required: field.required,
		description: field.help || undefined,
		displayOptions: { show },
	};
	if (field.dynamic) {
		property.type = multiple ? 'multiOptions' : 'options';
		property.typeOptions = { loadOptionsMethod: methodName(field.dynamic) };
		property.default = multiple ? [] : '';
	} else if (field.choices) {
		property.type = multiple ? 'multiOptions' : 'options';
		property.options = choiceOptions(field.choices);
		property.default = multiple ? [] : '';
	}
	return property;
}

/** The action node's parameters: resource, operation, then each operation's inputs. */
export function actionProperties(): INodeProperties[] {
	const resources = [...new Map(catalog.actions.map((a) => [resourceOf(a), a.resource])).entries()];
	const resource: INodeProperties = {
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: resources.map(([value, noun]) => ({ name: noun, value })),
		default: '',
	};
	resource.default = resources[0][0];
	const properties: INodeProperties[] = [resource];
	for (const [value] of resources) {
		const actions = catalog.actions.filter((a) => resourceOf(a) === value);
		const operation: INodeProperties = {
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: [value] } },
			options: actions.map((a) => ({ name: a.operation, value: a.key, description: a.help, action: a.action })),
			default: '',
		};
		operation.default = actions[0].key;
		properties.push(operation);
	}
	for (const action of catalog.actions) {
		const show = { resource: [resourceOf(action)], operation: [action.key] };
		properties.push(...action.inputs.map((field) => parameter(field, show)));
		if (action.kind === 'search') {
			properties.push({
				displayName: 'Simplify',
				name: SIMPLIFY,
				type: 'boolean',
				default: true,
				description: 'Whether to return only the fields listed in the docs instead of the whole record',
				displayOptions: { show },
			});
		}
	}
	return properties;
}

/** A result with only the definition's output fields (dotted paths), for "Simplify". */
export function simplified(record: IDataObject, paths: string[]): IDataObject {
	const out: IDataObject = {};
	for (const path of paths) {
		const parts = path.split('.');
		let value: unknown = record;
		for (const part of parts) {
			value = value !== null && typeof value === 'object' ? (value as IDataObject)[part] : undefined;
		}
		if (value === undefined) {
			continue;
		}
		let level = out;
		for (const part of parts.slice(0, -1)) {
			level = (level[part] ??= {}) as IDataObject;
		}
		level[parts[parts.length - 1]] = value as IDataObject[string];
	}
	return out;
}

/** Which action a resource and operation name. */
export function actionFor(operation: string): Action {
	const action = catalog.actions.find((a) => a.key === operation);
	if (!action) {
		throw new Error(`No 7stamp action ${operation}`);
	}
	return action;
}

/** The trigger nodes' parameters: the event, then each filter shown for the events that have it. */
export function triggerProperties(): INodeProperties[] {
	const byKey = new Map<string, { field: Field; events: string[] }>();
	for (const trigger of catalog.triggers) {
		for (const filter of trigger.filters) {
			const entry = byKey.get(filter.key) ?? { field: filter, events: [] };
			entry.events.push(trigger.key);
			byKey.set(filter.key, entry);
		}
	}
	const event: INodeProperties = {
		displayName: 'Event',
		name: 'event',
		type: 'options',
		required: true,
		noDataExpression: true,
		options: catalog.triggers.map((t) => ({ name: t.label, value: t.key, description: t.help })),
		default: '',
	};
	event.default = catalog.triggers[0].key;
	return [
		event,
		...[...byKey.values()].map(({ field, events }) =>
			parameter(
				{
					...field,
					key: filterParameter(field.key),
					type: 'string',
					list: true,
					required: false,
					help: field.help || 'Only events with one of these values; leave empty for every event',
				},
				{ event: events },
			),
		),
	];
}

/** A filter's parameter name: prefixed, as the `any` trigger's filter is itself called `event`. */
function filterParameter(key: string): string {
	return `filter_${key}`;
}

/** The filters the user chose for the trigger's event, keyed as the connector takes them. */
export function chosenFilters(event: string, value: (parameter: string) => string[]): Record<string, string[]> {
	const keys = catalog.triggers.find((t) => t.key === event)?.filters.map((f) => f.key) ?? [];
	return Object.fromEntries(keys.map((key) => [key, value(filterParameter(key))]).filter(([, wanted]) => wanted.length > 0));
}
