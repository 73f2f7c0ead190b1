// A resumable upload (draft-ietf-httpbis-resumable-upload) from Node.js, interrupted on purpose:
// keepdav --test-hooks drops the connection before answering (Keepdav-Close-After), the 104 told
// where the upload lives, so the client asks for the offset (HEAD) and completes it (PATCH).
//   node samples/clients/node_resumable.mjs http://127.0.0.1:8080/resumed.bin   (keepdav --test-hooks)
import http from 'node:http';
import { randomBytes } from 'node:crypto';

const url = new URL(process.argv[2] ?? 'http://127.0.0.1:8080/resumed.bin');
const data = randomBytes(256 * 1024);
const draft = { 'Upload-Draft-Interop-Version': '8' };

function send(method, target, headers, body) {
  return new Promise((resolve, reject) => {
    const interims = [];
    const request = http.request(new URL(target, url), { method, headers: { ...draft, ...headers } });
    request.on('information', (info) => {
      interims.push(info);
      console.log(`${method}: ${info.statusCode} ${info.statusMessage} ${JSON.stringify(info.headers)}`);
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve({ interims, response }));
    });
    request.on('error', (error) => resolve({ interims, error }));
    request.end(body);
  });
}

// 1. The whole body in one PUT; the server takes it, then drops the connection unanswered.
const first = await send('PUT', url, { 'Upload-Complete': '?1', 'Content-Length': data.length, 'Keepdav-Close-After': '0.3' }, data);
const location = first.interims.find((i) => i.statusCode === 104 && i.headers.location)?.headers.location;
console.log(`PUT: ${first.error ? `no final response (${first.error.code})` : first.response.statusCode}, upload at ${location}`);
if (!location) process.exit(1);
// 2. How much arrived.
const head = await send('HEAD', location, {});
const offset = Number(head.response.headers['upload-offset']);
console.log(`HEAD: ${head.response.statusCode}, offset ${offset} of ${data.length}`);
// 3. The rest (here: nothing), completing the upload: the server stores the file.
const rest = data.subarray(offset);
const last = await send('PATCH', location, {
  'Upload-Complete': '?1', 'Upload-Offset': offset, 'Content-Type': 'application/partial-upload', 'Content-Length': rest.length,
}, rest);
console.log(`PATCH: ${last.response.statusCode}, Upload-Complete ${last.response.headers['upload-complete']}`);
const check = await new Promise((resolve) => http.get(url, (response) => {
  const chunks = [];
  response.on('data', (c) => chunks.push(c));
  response.on('end', () => resolve(Buffer.concat(chunks)));
}));
const same = check.equals(data);
console.log(`GET: ${check.length} bytes, ${same ? 'the same bytes' : 'DIFFERENT bytes'}`);
process.exitCode = last.response.statusCode < 300 && same ? 0 : 1;
