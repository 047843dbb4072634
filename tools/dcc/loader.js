// A document loader that never fetches: the DCC security loader's bundled contexts (VC 2.0, Open Badges 3.0,
// DID, Multikey, did:key resolution) plus the SkillAtlas EU micro-credential context read from the Python
// package, plus any status list credentials given as URL=FILE pairs.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {securityLoader} from '@digitalcredentials/security-document-loader';

const here = dirname(fileURLToPath(import.meta.url));
export const EU_MC = 'https://w3id.org/skillatlas/eu-microcredential/v1';
const EU_MC_FILE = join(here, '..', '..', 'src', 'skillatlas', 'credentials', 'contexts',
  'skillatlas-eu-microcredential-v1.jsonld');

export function makeLoader(statics = {}) {
  const loader = securityLoader({fetchRemoteContexts: false});
  loader.addStatic(EU_MC, JSON.parse(readFileSync(EU_MC_FILE, 'utf8')));
  for(const [url, document] of Object.entries(statics)) {
    loader.addStatic(url, document);
  }
  return loader.build();
}

// "--status URL=FILE" pairs and the remaining positional arguments.
export function parseArgs(argv) {
  const statics = {};
  const positional = [];
  const options = {};
  for(let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if(arg === '--status') {
      const [url, file] = argv[++i].split(/=(.*)/s);
      statics[url] = JSON.parse(readFileSync(file, 'utf8'));
    } else if(arg.startsWith('--')) {
      options[arg.slice(2)] = argv[++i];
    } else {
      positional.push(arg);
    }
  }
  return {statics, positional, options};
}
