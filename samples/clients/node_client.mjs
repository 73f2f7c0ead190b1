// Node.js reports each 1xx as an 'information' event, then the final response as usual.
//   node samples/clients/node_client.mjs http://127.0.0.1:8080/README.txt [SECONDS]   (keepdav --test-hooks)
import http from 'node:http';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/README.txt';
const hold = process.argv[3] ?? '5';
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(2);
let interims = 0;

const request = http.get(url, {
  headers: { 'Keepdav-Delay': hold, 'Keepdav-Interim-Interval': '1', 'Keepdav-Early-Hints': 'on' },
  timeout: 3000, // an idle timeout shorter than the hold: the 1xx keep it from firing
});
request.on('information', (info) => {
  interims += 1;
  console.log(`+${seconds()}s ${info.statusCode} ${info.statusMessage}`);
});
request.on('timeout', () => {
  console.log('timed out');
  request.destroy();
  process.exitCode = 1;
});
request.on('response', (response) => {
  let bytes = 0;
  response.on('data', (chunk) => { bytes += chunk.length; });
  response.on('end', () => {
    console.log(`final: ${response.statusCode} after ${seconds()}s, ${bytes} bytes, ${interims} interim responses`);
    process.exitCode = response.statusCode === 200 && interims > 0 ? 0 : 1;
  });
});
