/**
 * The connector's catalog as this package was exported with it (catalog.json, generated from the
 * definitions in triggers/ and actions/: never edit it, export again), typed for the nodes.
 */
import data from './catalog.json';

export interface Field {
	key: string;
	label: string;
	help: string;
	type: string;
	required: boolean;
	list: boolean;
	choices?: string[];
	dynamic?: string;
	default?: string | number | boolean;
}

export interface Trigger {
	key: string;
	label: string;
	help: string;
	filters: Field[];
}

export interface Action {
	key: string;
	kind: 'create' | 'search';
	noun: string;
	label: string;
	help: string;
	method: 'GET' | 'POST';
	path: string;
	inputs: Field[];
}

export interface Catalog {
	apiUrl: string;
	triggers: Trigger[];
	actions: Action[];
	options: Array<{ key: string; label: string; path: string }>;
}

export const catalog = data as Catalog;
