// Issues credentials with the Digital Credentials Consortium stack: a fresh did:key (Ed25519 Multikey),
// a DataIntegrityProof with eddsa-rdfc-2022, offline.
// Usage: node issue.js UNSIGNED.json OUT.json [--count N]
//   UNSIGNED.json: a credential without proof; its issuer id is replaced by the new did:key.
//   --count N: sign N copies (ids urn:uuid:...-i) and print the timing as JSON instead of writing them all.
import {readFileSync, writeFileSync} from 'node:fs';
import {randomUUID} from 'node:crypto';
import * as vc from '@digitalcredentials/vc';
import {DataIntegrityProof} from '@digitalcredentials/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalcredentials/ed25519-multikey';
import {makeLoader, parseArgs} from './loader.js';

const {positional, options} = parseArgs(process.argv.slice(2));
if(positional.length !== 2) {
  console.error('usage: node issue.js UNSIGNED.json OUT.json [--count N]');
  process.exit(2);
}
const template = JSON.parse(readFileSync(positional[0], 'utf8'));
const documentLoader = makeLoader();
const key = await Ed25519Multikey.generate();
const did = `did:key:${key.publicKeyMultibase}`;
key.controller = did;
key.id = `${did}#${key.publicKeyMultibase}`;
const suite = new DataIntegrityProof({signer: key.signer(), cryptosuite: eddsaRdfc2022});

function prepare(id) {
  const credential = structuredClone(template);
  if(typeof credential.issuer === 'object') credential.issuer.id = did; else credential.issuer = did;
  if(id) credential.id = id;
  delete credential.proof;
  return credential;
}

const count = Number(options.count || 0);
if(count > 0) {
  const started = performance.now();
  let last;
  for(let i = 0; i < count; i++) {
    last = await vc.issue({credential: prepare(`urn:uuid:${randomUUID()}`), suite, documentLoader});
  }
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(positional[1], JSON.stringify(last, null, 2));
  console.log(JSON.stringify({count, seconds, per_second: count / seconds, did}));
} else {
  const signed = await vc.issue({credential: prepare(), suite, documentLoader});
  writeFileSync(positional[1], JSON.stringify(signed, null, 2));
  console.log(JSON.stringify({did, id: signed.id}));
}
