import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

import { catalog } from '../nodes/shared/catalog';

/**
 * A 7stamp location's API key and the connector's URL (the public connector unless an agency runs its own), so one
 * published package serves every deployment; n8n tests both with the connector's `GET /v1/me`.
 */
export class SevenStampApi implements ICredentialType {
	name = 'sevenStampApi';

	displayName = '7stamp API';

	icon: Icon = { light: 'file:../nodes/SevenStamp/sevenstamp.svg', dark: 'file:../nodes/SevenStamp/sevenstamp.dark.svg' };

	documentationUrl = 'https://github.com/7stamp/connector#n8n';

	properties: INodeProperties[] = [
		{
			displayName: 'Connector URL',
			name: 'url',
			type: 'string',
			default: catalog.apiUrl,
			required: true,
			description: 'The address of the 7stamp connector; keep the default unless your agency runs its own',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: catalog.keyHelp,
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'X-API-Key': '={{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.url}}',
			url: '/v1/me',
		},
	};
}
