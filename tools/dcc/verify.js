// Verifies a credential with the Digital Credentials Consortium stack: signature (eddsa-rdfc-2022), dates,
// and every BitstringStatusListEntry (revocation and suspension), with the status lists' own proofs.
// Usage: node verify.js CREDENTIAL.json [--fetch-from ORIGIN ...] [--status URL=STATUS_LIST.json ...]
// Prints {"verified", "status", "refused_for": [purposes whose bit is set], "error", "fetched": [urls]};
// exit code 0 only when verified.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalcredentials/vc';
import {DataIntegrityProof} from '@digitalcredentials/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalcredentials/vc-bitstring-status-list';
import {makeLoader, parseArgs} from './loader.js';

const {statics, fetchFrom, positional} = parseArgs(process.argv.slice(2));
if(positional.length !== 1) {
  console.error('usage: node verify.js CREDENTIAL.json [--fetch-from ORIGIN ...] [--status URL=FILE ...]');
  process.exit(2);
}
const credential = JSON.parse(readFileSync(positional[0], 'utf8'));
const documentLoader = makeLoader({statics, fetchFrom});
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
const statusResult = result.statusResult;
const statusVerified = statusResult ? statusResult.verified : null;
const refusedFor = ((statusResult && statusResult.results) || [])
  .filter(r => r.verified === false).map(r => r.credentialStatus.statusPurpose);
const out = {
  verified: Boolean(result.verified),
  status: statusVerified,
  refused_for: refusedFor,
  error: messages(result.error) || messages(statusResult && statusResult.error) ||
    (result.results || []).map(r => messages(r.error)).filter(Boolean).join('; ') ||
    (refusedFor.length ? `the status list bit is set: ${refusedFor.join(', ')}` : undefined),
  fetched: documentLoader.fetched
};
console.log(JSON.stringify(out));
process.exit(out.verified ? 0 : 1);
