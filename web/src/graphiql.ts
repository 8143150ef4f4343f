// GraphiQL, bundled (no CDN), for exploring the API in sandbox mode. The token field above it fills the
// Authorization header of every request and of the subscription socket; in sandbox mode it starts with the
// hub's operator token.
import 'graphiql/graphiql.css';
import './graphiql.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { loadPageConfig } from './api';

const STORAGE_KEY = 'tsunagi.token';
const input = document.querySelector<HTMLInputElement>('#token')!;
const root = createRoot(document.querySelector('#graphiql')!);

function show(token: string): void {
  const authorization = token ? `Bearer ${token}` : undefined;
  const fetcher = createGraphiQLFetcher({
    url: '/graphql',
    subscriptionUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    headers: authorization ? { authorization } : {},
    wsConnectionParams: authorization ? { authorization } : {},
  });
  // A new key remounts GraphiQL, so its schema is fetched again with the new token.
  root.render(createElement(GraphiQL, { key: token, fetcher, defaultEditorToolsVisibility: false, isHeadersEditorEnabled: true }));
}

const config = await loadPageConfig();
input.value = sessionStorage.getItem(STORAGE_KEY) ?? config.sandboxToken ?? '';
show(input.value.trim());
document.querySelector('#token-bar')!.addEventListener('submit', (e) => e.preventDefault());
input.addEventListener('change', () => {
  const token = input.value.trim();
  sessionStorage.setItem(STORAGE_KEY, token);
  show(token);
});
