#!/usr/bin/env node
// azure_container.js - Azure Blob requests for the object-store tests, signed here with
// Node's crypto: an implementation of SharedKey and of the service SAS apart from
// pxtc's C one, so each checks the other against azurite.
//
//   node tests/objstore/azure_container.js create CONTAINER     create it (exists: ok)
//   node tests/objstore/azure_container.js list CONTAINER       list its blobs
//   node tests/objstore/azure_container.js get CONTAINER BLOB FILE   download a blob
//   node tests/objstore/azure_container.js sas CONTAINER [TTL_S]     print a SAS token
//
// The account comes from the environment as pxtc reads it: AZURE_ENDPOINT (path-style,
// http://127.0.0.1:PORT/devstoreaccount1), AZURE_ACCOUNT_NAME, AZURE_ACCOUNT_KEY
// (base64). create, list and get print the HTTP status on stderr when it is not 2xx
// and exit 1. sas prints a container SAS (read, add, create, write, delete, list;
// valid TTL_S seconds, default a day), without the leading '?'.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');

const VERSION = '2021-08-06';

function env(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`azure_container.js: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

function hmac(keyB64, text) {
  return crypto.createHmac('sha256', Buffer.from(keyB64, 'base64')).update(text, 'utf8')
    .digest('base64');
}

// SharedKey for the Blob service (versions 2015-02-21 and later)
function sharedKey(method, url, headers, account, key) {
  const h = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = String(v);
  const len = h['content-length'];
  const canonHeaders = Object.keys(h).filter((k) => k.startsWith('x-ms-')).sort()
    .map((k) => `${k}:${h[k].trim()}\n`).join('');
  const params = {};
  for (const [k, v] of url.searchParams) {
    const lk = k.toLowerCase();
    (params[lk] = params[lk] || []).push(v);
  }
  let resource = `/${account}${url.pathname}`;
  for (const k of Object.keys(params).sort()) resource += `\n${k}:${params[k].sort().join(',')}`;
  const stringToSign = [
    method,
    h['content-encoding'] || '',
    h['content-language'] || '',
    len && len !== '0' ? len : '',
    h['content-md5'] || '',
    h['content-type'] || '',
    '', // Date: x-ms-date is sent instead
    h['if-modified-since'] || '',
    h['if-match'] || '',
    h['if-none-match'] || '',
    h['if-unmodified-since'] || '',
    h['range'] || '',
  ].join('\n') + '\n' + canonHeaders + resource;
  return `SharedKey ${account}:${hmac(key, stringToSign)}`;
}

function request(method, path, query, body) {
  const endpoint = env('AZURE_ENDPOINT').replace(/\/+$/, '');
  const account = env('AZURE_ACCOUNT_NAME');
  const key = env('AZURE_ACCOUNT_KEY');
  const url = new URL(endpoint + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const headers = {
    'x-ms-date': new Date().toUTCString(),
    'x-ms-version': VERSION,
    'Content-Length': body ? Buffer.byteLength(body) : 0,
  };
  headers.Authorization = sharedKey(method, url, headers, account, key);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// A service SAS on a container (signed version 2020-12-06 and later)
function containerSas(container, ttl) {
  const account = env('AZURE_ACCOUNT_NAME');
  const key = env('AZURE_ACCOUNT_KEY');
  const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const start = iso(new Date(Date.now() - 60 * 1000));
  const expiry = iso(new Date(Date.now() + ttl * 1000));
  const perms = 'racwdl';
  const stringToSign = [
    perms, start, expiry, `/blob/${account}/${container}`,
    '', // signedIdentifier
    '', // signedIP
    '', // signedProtocol
    VERSION, 'c',
    '', // signedSnapshotTime
    '', // signedEncryptionScope
    '', '', '', '', '', // rscc rscd rsce rscl rsct
  ].join('\n');
  const q = new URLSearchParams({
    sv: VERSION, sr: 'c', sp: perms, st: start, se: expiry, sig: hmac(key, stringToSign),
  });
  return q.toString();
}

function check(res, what) {
  if (res.status >= 200 && res.status < 300) return;
  console.error(`${what}: HTTP ${res.status}\n${res.body.toString()}`);
  process.exit(1);
}

async function main() {
  const [cmd, container, ...rest] = process.argv.slice(2);
  if (!container) {
    console.error('usage: azure_container.js create|list|sas|get CONTAINER ...');
    process.exit(2);
  }
  const cpath = '/' + encodeURIComponent(container);
  if (cmd === 'create') {
    const res = await request('PUT', cpath, { restype: 'container' });
    if (res.status === 409 && /ContainerAlreadyExists/.test(res.body.toString())) return;
    check(res, `create ${container}`);
  } else if (cmd === 'list') {
    const res = await request('GET', cpath, { restype: 'container', comp: 'list' });
    check(res, `list ${container}`);
    for (const m of res.body.toString().matchAll(/<Name>([^<]*)<\/Name>/g)) console.log(m[1]);
  } else if (cmd === 'get' && rest.length === 2) {
    const blob = rest[0].split('/').map(encodeURIComponent).join('/');
    const res = await request('GET', `${cpath}/${blob}`, {});
    check(res, `get ${container}/${rest[0]}`);
    fs.writeFileSync(rest[1], res.body);
  } else if (cmd === 'sas') {
    const ttl = rest.length ? Number(rest[0]) : 86400;
    console.log(containerSas(container, ttl));
  } else {
    console.error(`azure_container.js: unknown command ${cmd}`);
    process.exit(2);
  }
}

main().catch((err) => {
  console.error(`azure_container.js: ${err.message}`);
  process.exit(1);
});
