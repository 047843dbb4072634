// A document loader for a verifier that holds only what the DCC stack ships (its security loader's bundled
// contexts: VC 1.1 and 2.0, Open Badges 3.0, DID, Multikey, Data Integrity, Bitstring Status List; did:key
// resolution) plus what issuers publish: a document under an origin given with --fetch-from (contexts,
// status lists) is fetched over HTTP from that issuer's server. Nothing private to SkillAtlas is read here.
// "--status URL=FILE" adds a status list from a file (for offline runs).
import {readFileSync} from 'node:fs';
import {securityLoader} from '@digitalcredentials/security-document-loader';

export function makeLoader({statics = {}, fetchFrom = []} = {}) {
  const loader = securityLoader({fetchRemoteContexts: false});
  for(const [url, document] of Object.entries(statics)) {
    loader.addStatic(url, document);
  }
  const shipped = loader.build();
  const fetched = [];
  const cache = new Map();  // one process verifies or signs with what it fetched once
  const documentLoader = async url => {
    if(cache.has(url)) {
      return structuredClone(cache.get(url));
    }
    if(fetchFrom.some(origin => url.startsWith(origin + '/'))) {
      const response = await fetch(url, {headers: {Accept: 'application/ld+json, application/json'}});
      if(!response.ok) {
        throw new Error(`NotFoundError: ${url} answered ${response.status}`);
      }
      const type = response.headers.get('content-type') || '';
      if(!/^application\/(ld\+)?json\b/.test(type)) {
        throw new Error(`${url} is not JSON (content type "${type}")`);
      }
      fetched.push(url);
      // 'static', as the stack's own bundled contexts are: jsonld.js then keeps the processed context
      const result = {contextUrl: null, documentUrl: url, document: await response.json(), tag: 'static'};
      cache.set(url, result);
      return structuredClone(result);
    }
    return shipped(url);
  };
  documentLoader.fetched = fetched;
  return documentLoader;
}

// "--status URL=FILE" pairs, "--fetch-from ORIGIN" (repeatable), other "--name value" options, positionals.
export function parseArgs(argv) {
  const statics = {};
  const fetchFrom = [];
  const positional = [];
  const options = {};
  for(let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if(arg === '--status') {
      const [url, file] = argv[++i].split(/=(.*)/s);
      statics[url] = JSON.parse(readFileSync(file, 'utf8'));
    } else if(arg === '--fetch-from') {
      fetchFrom.push(argv[++i].replace(/\/+$/, ''));
    } else if(arg === '--sample') {
      options.sample = true;
    } else if(arg.startsWith('--')) {
      options[arg.slice(2)] = argv[++i];
    } else {
      positional.push(arg);
    }
  }
  return {statics, fetchFrom, positional, options};
}
