// Verifies a credential with the Digital Credentials Consortium stack, offline.
// Usage: node verify.js CREDENTIAL.json [--status URL=STATUS_LIST.json ...]
// Prints {"verified": bool, "error": "..."}; exit code 0 only when verified.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalcredentials/vc';
import {DataIntegrityProof} from '@digitalcredentials/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalcredentials/vc-bitstring-status-list';
import {makeLoader, parseArgs} from './loader.js';

const {statics, positional} = parseArgs(process.argv.slice(2));
if(positional.length !== 1) {
  console.error('usage: node verify.js CREDENTIAL.json [--status URL=FILE ...]');
  process.exit(2);
}
const credential = JSON.parse(readFileSync(positional[0], 'utf8'));
const documentLoader = makeLoader(statics);
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

function messages(error) {
  if(!error) return undefined;
  const list = error.errors || [error];
  return list.map(e => e.message || String(e)).join('; ');
}

const result = await vc.verifyCredential({
  credential, suite, documentLoader,
  checkStatus: async options => checkStatus({...options, suite, documentLoader})
});
const statusVerified = result.statusResult ? result.statusResult.verified : null;
const out = {
  verified: Boolean(result.verified),
  status: statusVerified,
  error: messages(result.error) || messages(result.statusResult && result.statusResult.error) ||
    (result.results || []).map(r => messages(r.error)).filter(Boolean).join('; ') ||
    (statusVerified === false ? 'revoked or suspended: the status list bit is set' : undefined)
};
console.log(JSON.stringify(out));
process.exit(out.verified ? 0 : 1);
