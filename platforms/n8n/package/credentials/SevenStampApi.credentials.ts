import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

import { catalog } from '../nodes/shared/catalog';

/** A 7stamp location's API key; n8n tests it with the connector's `GET /v1/me`. */
export class SevenStampApi implements ICredentialType {
	name = 'sevenStampApi';

	displayName = '7stamp API';

	icon: Icon = { light: 'file:../nodes/SevenStamp/sevenstamp.svg', dark: 'file:../nodes/SevenStamp/sevenstamp.dark.svg' };

	documentationUrl = 'https://github.com/7stamp/connector#n8n';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The API key of your 7stamp location (it starts with 7loc_sc_). Each location has its own key.',
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
			baseURL: catalog.apiUrl,
			url: '/v1/me',
		},
	};
}
