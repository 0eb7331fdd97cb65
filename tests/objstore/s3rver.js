#!/usr/bin/env node
// s3rver.js - a local S3 server for the object-store tests: @20minutes/s3rver, which
// checks SigV4 signatures (headers and presigned URLs, their expiry and tampering).
//
//   node tests/objstore/s3rver.js PORT DIR [BUCKET...]
//
// Listens on 127.0.0.1:PORT, keeps its objects under DIR, creates each BUCKET at
// start-up, path-style only (<endpoint>/<bucket>/<key>); key pair S3RVER / S3RVER.
// s3rver itself lets anonymous requests through; here, as on a private bucket, a
// request with neither an Authorization header nor a query signature gets 403
// AccessDenied, so a client that forgot to sign cannot pass. s3rver's own logging is
// off; one line per request goes to stdout instead: "METHOD /path STATUS [CODE]"
// (the path without its query, which may hold a signature; CODE: the S3 error code).
'use strict';

const fs = require('fs');
const path = require('path');
const S3rver = require('@20minutes/s3rver');

const [portArg, dirArg, ...buckets] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0 || port > 65535 || !dirArg) {
  console.error('usage: s3rver.js PORT DIR [BUCKET...]');
  process.exit(2);
}
const directory = path.resolve(dirArg);
fs.mkdirSync(directory, { recursive: true });

const server = new S3rver({
  address: '127.0.0.1',
  port,
  directory,
  silent: true,
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});

function signed(req) {
  if (req.headers.authorization) return true;
  const q = new URL(req.url, 'http://x').searchParams;
  return q.has('X-Amz-Algorithm') || q.has('Signature');
}

// Wrap Koa's request handler (S3rver.listen asks this.callback() for it).
const koaCallback = server.callback.bind(server);
server.callback = () => {
  const handle = koaCallback();
  return (req, res) => {
    const p = req.url.split('?')[0];
    const write = res.write.bind(res);
    let head = '';
    res.write = (chunk, ...rest) => {
      if (res.statusCode >= 400 && head.length < 512 && chunk) head += chunk.toString();
      return write(chunk, ...rest);
    };
    const end = res.end.bind(res);
    res.end = (chunk, ...rest) => {
      if (res.statusCode >= 400 && head.length < 512 && chunk && typeof chunk !== 'function')
        head += chunk.toString();
      return end(chunk, ...rest);
    };
    res.on('finish', () => {
      const code = /<Code>([^<]*)<\/Code>/.exec(head);
      process.stdout.write(`${req.method} ${p} ${res.statusCode}${code ? ' ' + code[1] : ''}\n`);
    });
    if (req.method !== 'OPTIONS' && !signed(req)) {
      req.resume();
      res.statusCode = 403;
      res.setHeader('Content-Type', 'application/xml');
      res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>' +
        '<Message>Access Denied</Message></Error>');
      return;
    }
    handle(req, res);
  };
};

process.on('exit', (code) => {
  if (code !== 0) process.stdout.write(`s3rver exiting with ${code}\n`);
});

server.run().then(
  (addr) => process.stdout.write(`s3rver listening on ${addr.address}:${addr.port}\n`),
  (err) => {
    console.error(`s3rver: ${err.message}`);
    process.exit(1);
  },
);

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    process.stdout.write(`s3rver stopping on ${sig}\n`);
    server.close().finally(() => process.exit(0));
  });
}
