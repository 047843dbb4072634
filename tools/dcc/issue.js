// Issues credentials with the Digital Credentials Consortium stack: a fresh did:key (Ed25519 Multikey),
// a DataIntegrityProof with eddsa-rdfc-2022.
// Usage: node issue.js UNSIGNED.json OUT.json [--count N] [--fetch-from ORIGIN ...]
//        node issue.js --sample OUT.json
//   UNSIGNED.json: a credential without proof; its issuer id is replaced by the new did:key.
//   --sample: the stack's own Open Badges 3.0 credential (VC 2.0, validFrom only, standard contexts only),
//     made here as a DCC issuer makes one, not from anything SkillAtlas wrote.
//   --count N: sign N copies (ids urn:uuid:...) and print the timing as JSON instead of writing them all.
import {readFileSync, writeFileSync} from 'node:fs';
import {randomUUID} from 'node:crypto';
import * as vc from '@digitalcredentials/vc';
import {DataIntegrityProof} from '@digitalcredentials/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalcredentials/ed25519-multikey';
import {makeLoader, parseArgs} from './loader.js';

const {statics, fetchFrom, positional, options} = parseArgs(process.argv.slice(2));
if(positional.length !== (options.sample ? 1 : 2)) {
  console.error('usage: node issue.js UNSIGNED.json OUT.json [--count N] | node issue.js --sample OUT.json');
  process.exit(2);
}
const out = positional[positional.length - 1];

function sample() {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    '@context': [
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
    ],
    id: `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: 'Teamwork Badge',
    issuer: {id: 'set below', type: ['Profile'], name: 'Example Corp'},
    validFrom: now,
    credentialSubject: {
      id: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
      type: ['AchievementSubject'],
      achievement: {
        id: `urn:uuid:${randomUUID()}`,
        type: ['Achievement'],
        achievementType: 'Badge',
        name: 'Teamwork',
        description: 'This badge recognizes the development of the capacity to collaborate within a group environment.',
        criteria: {narrative: 'Team members are nominated for this badge by their peers and recognized upon review by Example Corp management.'}
      }
    }
  };
}

const template = options.sample ? sample() : JSON.parse(readFileSync(positional[0], 'utf8'));
const documentLoader = makeLoader({statics, fetchFrom});
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
  const cpuStarted = process.cpuUsage();
  let last;
  for(let i = 0; i < count; i++) {
    last = await vc.issue({credential: prepare(`urn:uuid:${randomUUID()}`), suite, documentLoader});
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);  // user + system time of the whole process (GC threads too)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  writeFileSync(out, JSON.stringify(last, null, 2));
  console.log(JSON.stringify({count, seconds, per_second: count / seconds, cpu_seconds: cpuSeconds, did}));
} else {
  const signed = await vc.issue({credential: prepare(), suite, documentLoader});
  writeFileSync(out, JSON.stringify(signed, null, 2));
  console.log(JSON.stringify({did, id: signed.id}));
}
