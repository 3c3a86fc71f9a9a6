// The light hosts' registry mirror: answers GET /v2/ with 200, as a registry does, and nothing
// else. A deep accept backlog, so a thousand hosts probing at once are never refused.
import { createServer } from 'node:http';

const [host, port] = process.argv.slice(2);
createServer((req, res) => {
  const ok = req.method === 'GET' && req.url === '/v2/';
  res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
  res.end(ok ? '{}' : '{"errors":[{"code":"NOT_FOUND"}]}');
}).listen({ host, port: Number(port), backlog: 4096 });
