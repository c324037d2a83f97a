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
	/** n8n's UX guidelines: a resource (`Voucher`), an operation on it (`Redeem`), the action in words (`Redeem a voucher`). */
	resource: string;
	operation: string;
	action: string;
	/** The output fields the definition declares (dotted paths): what "Simplify" keeps of a search's results. */
	outputs: string[];
}

export interface Catalog {
	/** The connector this package was exported for: the credential's default URL. */
	apiUrl: string;
	keyHelp: string;
	triggers: Trigger[];
	actions: Action[];
	options: Array<{ key: string; label: string; path: string }>;
}

export const catalog = data as Catalog;
