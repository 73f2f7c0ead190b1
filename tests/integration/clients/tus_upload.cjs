// Uploads a file with tus-js-client in its IETF draft mode (protocol ietf-draft-05), in 100 kB appends.
//   NODE_PATH=$(npm root -g) node tus_upload.cjs URL FILE
const tus = require('tus-js-client');
const fs = require('node:fs');

const [url, file] = process.argv.slice(2);
const data = fs.readFileSync(file);
const upload = new tus.Upload(data, {
  endpoint: url,
  protocol: 'ietf-draft-05',
  chunkSize: 100000,
  retryDelays: [],
  onError: (error) => { console.log(`failed: ${error}`); process.exitCode = 1; },
  onSuccess: () => console.log(`uploaded ${data.length} bytes to ${upload.url}`),
});
upload.start();
