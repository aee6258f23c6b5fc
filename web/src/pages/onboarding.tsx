/**
 * Onboarding wizard (member): the legal person (POST /participants), then a service offering with
 * its AI model and IPCEI-AI profile (POST /service-offerings), then the one-call label
 * (POST /members/{id}/labels) and the downloads. Registration numbers are checked as typed with the
 * very check-digit code the service runs (src/danube/registration-numbers); the service still
 * decides, and each finding it returns is shown at the field its JSON pointer names.
 */
import { useEffect, useState } from 'preact/hooks';
import { EU_MEMBER_STATES } from '../../../src/danube/iso-3166';
import { checkLeiCode } from '../../../src/danube/registration-numbers/lei-code';
import { checkVatId } from '../../../src/danube/registration-numbers/vat-id';
import { DANUBE_TERMS_AND_CONDITIONS } from '../../../src/danube/terms-and-conditions';
import { ApiError, call, faultsOf, segment, type Fault, type WhoAmI } from '../api';
import { download, ErrorBox, Field, pretty, Status } from '../ui';

const GX_CONTEXT = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'];
const IPCEI_CONTEXT = 'https://w3id.org/gx-trust/ipcei-ai/v1';
const COUNTRIES = [...EU_MEMBER_STATES].sort().map((c) => [c, c] as const);
/** NUTS-2 suggestions (Eurostat NUTS 2021) for the countries members come from most; any NUTS-2 code may be typed. */
const NUTS2: Readonly<Record<string, readonly string[]>> = {
  FR: ['FR10 Île-de-France', 'FRK2 Rhône-Alpes', 'FRL0 Provence-Alpes-Côte d\'Azur', 'FRI1 Aquitaine', 'FRJ2 Midi-Pyrénées', 'FRE1 Nord-Pas de Calais', 'FRG0 Pays de la Loire', 'FRH0 Bretagne', 'FRF1 Alsace'],
  DE: ['DE30 Berlin', 'DE21 Oberbayern', 'DE11 Stuttgart', 'DE60 Hamburg', 'DEA1 Düsseldorf', 'DE71 Darmstadt', 'DED2 Dresden'],
  IT: ['ITC4 Lombardia', 'ITI4 Lazio'],
  ES: ['ES30 Comunidad de Madrid', 'ES51 Cataluña'],
  NL: ['NL32 Noord-Holland', 'NL33 Zuid-Holland'],
};
const RISK_CLASSES = [['minimal', 'Minimal risk'], ['limited', 'Limited risk (transparency duties, Art. 50)'], ['high', 'High risk (Art. 6)'], ['general-purpose', 'General-purpose AI model (Art. 51-53)'], ['general-purpose-systemic-risk', 'General-purpose, systemic risk (Art. 51(1))'], ['prohibited', 'Prohibited practice (Art. 5)']] as const;
const LABEL_LEVELS = [['standard-compliance', 'Gaia-X Standard Compliance'], ['label-level-1', 'Label Level 1'], ['label-level-2', 'Label Level 2'], ['label-level-3', 'Label Level 3']] as const;

interface Address { countryCode: string; region: string; locality: string; postalCode: string; streetAddress: string }
interface RegistrationNumber { type: 'gx:VatID' | 'gx:LeiCode'; value: string }
interface TermsText { text: string; hash: string; algorithm: string; acceptedBy: 'gaia-x' | 'operator' }
interface Issued { id: string; type: string[]; jwt?: string; verifiableCredential?: unknown }

const emptyAddress = (): Address => ({ countryCode: 'FR', region: '', locality: '', postalCode: '', streetAddress: '' });

/**
 * What the member sees while typing a number: the service's own offline check, run here, and
 * whether a VAT id's member state is the legal address's country.
 */
function adviceFor(number: RegistrationNumber, country: string): string | undefined {
  const value = number.value.trim();
  if (value === '') return undefined;
  const faults = number.type === 'gx:VatID' ? checkVatId(value) : checkLeiCode(value.toUpperCase());
  if (faults.length > 0) return `${faults[0]!.message}. ${faults[0]!.hint}`;
  const prefix = value.slice(0, 2).toUpperCase().replace('EL', 'GR');
  if (number.type === 'gx:VatID' && prefix !== country) return `Check digits are right, but this VAT id is from ${prefix} and the legal address is in ${country}.`;
  return 'Check digits are right.';
}

function AddressFields({ legend, pointer, value, onChange, faults }: { legend: string; pointer: string; value: Address; onChange: (a: Address) => void; faults: Fault[] }) {
  const set = (key: keyof Address) => (v: string) => onChange({ ...value, [key]: key === 'region' ? v.split(' ')[0]! : v });
  const listId = `${pointer.replace(/\W/g, '-')}-nuts`;
  return (
    <fieldset>
      <legend>{legend}</legend>
      <Field label="Country" pointer={`${pointer}/countryCode`} value={value.countryCode} onInput={set('countryCode')} options={COUNTRIES} faults={faults} required />
      <Field label="Region (NUTS-2)" pointer={`${pointer}/region`} value={value.region} onInput={set('region')} list={listId} faults={faults} hint="e.g. FR10 for Île-de-France" required />
      <datalist id={listId}>{(NUTS2[value.countryCode] ?? []).map((n) => <option key={n} value={n.split(' ')[0]}>{n}</option>)}</datalist>
      <Field label="Locality" pointer={`${pointer}/locality`} value={value.locality} onInput={set('locality')} faults={faults} />
      <Field label="Postal code" pointer={`${pointer}/postalCode`} value={value.postalCode} onInput={set('postalCode')} faults={faults} />
      <Field label="Street address" pointer={`${pointer}/streetAddress`} value={value.streetAddress} onInput={set('streetAddress')} faults={faults} />
    </fieldset>
  );
}

function faultsFrom(error: unknown): Fault[] {
  return error instanceof ApiError ? faultsOf(error.problem) : [];
}

export function OnboardingPage({ who }: { who: WhoAmI }) {
  const did = who.dids?.[0] ?? '';
  const [step, setStep] = useState<1 | 2 | 3>(1);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // Step 1: the legal person.
  const [name, setName] = useState('');
  const [legal, setLegal] = useState<Address>(emptyAddress());
  const [sameHq, setSameHq] = useState(true);
  const [hq, setHq] = useState<Address>(emptyAddress());
  const [numbers, setNumbers] = useState<RegistrationNumber[]>([{ type: 'gx:VatID', value: '' }]);
  const [accepted, setAccepted] = useState(false);
  const [participant, setParticipant] = useState<Issued[]>([]);
  // Step 2: the service offering, its AI model and the model's IPCEI-AI profile.
  const [offering, setOffering] = useState({ name: '', termsUrl: '', termsHash: '', modelName: '', license: 'Apache-2.0', version: '1.0.0' });
  const [profile, setProfile] = useState({ riskClass: 'general-purpose', purpose: '', cardUrl: '', cardHash: '', computeValue: '', computeUnit: 'FLOP', energyValue: '', energyUnit: 'MWh', hosting: 'FR', trainingData: '' });
  const [offered, setOffered] = useState<Issued[]>([]);
  // Step 3: the label.
  const [level, setLevel] = useState('standard-compliance');
  const [labelVisibility, setLabelVisibility] = useState('private');
  const [label, setLabel] = useState<{ id: string; jwt: string; validUntil?: string } | undefined>();
  // The operator's text when the service has one (GET /terms-and-conditions, checked against the
  // accepted hashes at start); otherwise only the current Gaia-X hash, since no text is at hand.
  const [termsText, setTermsText] = useState<TermsText | undefined>();
  useEffect(() => {
    call<TermsText>('GET', '/terms-and-conditions', { key: null, accept: [404] })
      .then((answer) => { if (answer.status === 200) setTermsText(answer.body); })
      .catch(() => undefined);
  }, []);
  const terms = termsText ?? DANUBE_TERMS_AND_CONDITIONS.find((t) => t.until === undefined) ?? DANUBE_TERMS_AND_CONDITIONS[0]!;
  const faults = faultsFrom(error);

  async function run(action: () => Promise<void>) {
    setError(undefined);
    setBusy(true);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const onboard = (event: Event) => {
    event.preventDefault();
    return run(async () => {
      const body = {
        participant: {
          id: did,
          name,
          legalAddress: legal,
          headquartersAddress: sameHq ? legal : hq,
          registrationNumbers: numbers.map((n) => ({ type: n.type, value: n.value.trim(), ...(n.type === 'gx:VatID' ? { countryCode: legal.countryCode } : {}) })),
          ...(accepted ? { termsAndConditions: terms.hash } : {}),
        },
      };
      const answer = await call<{ credentials: Issued[] }>('POST', '/participants', { body });
      setParticipant(answer.body.credentials);
      setStep(2);
    });
  };

  const offer = (event: Event) => {
    event.preventDefault();
    return run(async () => {
      const legalPerson = participant.find((c) => c.type.includes('gx:LegalPerson'));
      const number = (value: string) => (value.trim() === '' ? undefined : Number(value));
      const compute = number(profile.computeValue);
      const energy = number(profile.energyValue);
      const credentials = [
        {
          '@context': GX_CONTEXT, type: ['VerifiableCredential', 'gx:ServiceOffering'],
          credentialSubject: {
            id: `${did}#service-offering`, type: 'gx:ServiceOffering', 'schema:name': offering.name,
            'gx:providedBy': { id: `${did}#legal-person` },
            'gx:serviceOfferingTermsAndConditions': { type: 'gx:TermsAndConditions', 'gx:url': { '@value': offering.termsUrl, '@type': 'xsd:anyURI' }, 'gx:hash': offering.termsHash },
            'gx:dataProtectionRegime': 'GDPR2016',
            'gx:aggregationOfResources': { id: `${did}#model` },
          },
        },
        {
          '@context': GX_CONTEXT, type: ['VerifiableCredential', 'gx:SoftwareResource'],
          credentialSubject: { id: `${did}#model`, type: 'gx:SoftwareResource', 'schema:name': offering.modelName, 'gx:copyrightOwnedBy': { id: `${did}#legal-person` }, 'gx:license': offering.license, 'gx:resourcePolicy': 'default: allow', 'gx:version': offering.version },
        },
        {
          '@context': [...GX_CONTEXT, IPCEI_CONTEXT], type: ['VerifiableCredential'],
          credentialSubject: {
            id: `${did}#model-profile`, type: 'AIModelProfile', profileOf: `${did}#model`, riskClass: profile.riskClass, intendedPurpose: profile.purpose,
            modelCard: { type: 'ModelCard', url: profile.cardUrl, hash: profile.cardHash },
            ...(compute === undefined ? {} : { trainingCompute: { value: compute, unit: profile.computeUnit } }),
            ...(energy === undefined ? {} : { trainingEnergy: { value: energy, unit: profile.energyUnit } }),
            ...(profile.trainingData.trim() === '' ? {} : { trainingData: profile.trainingData.split(/\s+/).filter(Boolean) }),
            hostingMemberState: profile.hosting.split(/[\s,]+/).filter(Boolean),
          },
        },
      ];
      const answer = await call<{ credentials: Issued[] }>('POST', '/service-offerings', { body: { legalPerson: legalPerson?.id ?? '', credentials } });
      setOffered(answer.body.credentials);
      setStep(3);
    });
  };

  // The label call names no credentials: the service gathers the member's current ones, the
  // offerings' resources and IPCEI-AI profiles included. The presentation is of what this wizard issued.
  const issuedIds = () => [...new Set([...participant, ...offered].map((c) => c.id))];
  const getLabel = () => run(async () => {
    const answer = await call<{ label: { id: string; jwt: string; validUntil?: string } }>('POST', `/members/${segment(who.memberId ?? '')}/labels`, { body: { level, visibility: labelVisibility } });
    setLabel(answer.body.label);
  });

  const downloadPresentation = () => run(async () => {
    const answer = await call<{ jwt: string }>('POST', `/members/${segment(who.memberId ?? '')}/presentations`, { body: { credentials: issuedIds() } });
    download('presentation.jwt', answer.body.jwt, 'application/vp+jwt');
  });

  const o = (key: keyof typeof offering) => (v: string) => setOffering({ ...offering, [key]: v });
  const p = (key: keyof typeof profile) => (v: string) => setProfile({ ...profile, [key]: v });
  const sp = '/credentials/0/credentialSubject';
  const mp = '/credentials/2/credentialSubject';

  return (
    <div class="wizard">
      <ol class="steps" aria-label="Steps">
        {['Legal person', 'Service offering', 'Label'].map((title, i) => (
          <li key={title} aria-current={step === i + 1 ? 'step' : undefined} class={step > i + 1 ? 'done' : ''}>{i + 1}. {title}</li>
        ))}
      </ol>
      <ErrorBox error={error} />
      {step === 1 ? (
        <form onSubmit={onboard} class="card" aria-labelledby="step1-title" noValidate>
          <h2 id="step1-title">Legal person</h2>
          <p>Onboarded as <code>{did}</code>.</p>
          <Field label="Legal name" pointer="/participant/name" value={name} onInput={setName} faults={faults} required />
          <AddressFields legend="Legal address" pointer="/participant/legalAddress" value={legal} onChange={setLegal} faults={faults} />
          <div class="check">
            <input id="same-hq" type="checkbox" checked={sameHq} onChange={(e) => setSameHq((e.currentTarget as HTMLInputElement).checked)} />
            <label for="same-hq">Headquarters at the legal address</label>
          </div>
          {sameHq ? null : <AddressFields legend="Headquarters address" pointer="/participant/headquartersAddress" value={hq} onChange={setHq} faults={faults} />}
          <fieldset>
            <legend>Registration numbers</legend>
            {numbers.map((n, i) => (
              <div class="row" key={i}>
                <Field id={`number-type-${i}`} label={`Number ${i + 1}: type`} pointer={`/participant/registrationNumbers/${i}/type`} value={n.type} faults={faults}
                  options={[['gx:VatID', 'VAT id'], ['gx:LeiCode', 'LEI code']]} onInput={(v) => setNumbers(numbers.map((m, j) => (j === i ? { ...m, type: v as RegistrationNumber['type'] } : m)))} />
                <Field id={`number-value-${i}`} label={`Number ${i + 1}: value`} pointer={`/participant/registrationNumbers/${i}/value`} value={n.value} faults={faults} required
                  advice={adviceFor(n, legal.countryCode)} onInput={(v) => setNumbers(numbers.map((m, j) => (j === i ? { ...m, value: v } : m)))} />
              </div>
            ))}
            <button type="button" class="secondary" onClick={() => setNumbers([...numbers, { type: 'gx:LeiCode', value: '' }])}>Add a registration number</button>
            {faultsFromPointer(faults, '/participant/registrationNumbers')}
          </fieldset>
          <fieldset>
            <legend>{termsText?.acceptedBy === 'operator' ? 'Terms and conditions' : 'Gaia-X terms and conditions'}</legend>
            {termsText === undefined ? (
              <p>The Gaia-X Trust Framework terms and conditions (release 25.11), identified by the SHA-256 of their text: <code class="hash" data-testid="terms-hash">{terms.hash}</code>. This service has no copy of the text to show.</p>
            ) : (
              <>
                <p id="terms-intro">
                  {termsText.acceptedBy === 'operator'
                    ? 'The terms and conditions this service accepts in place of the Gaia-X ones (set by its operator; not a Gaia-X text).'
                    : 'The Gaia-X Trust Framework terms and conditions (release 25.11).'}
                  {' '}SHA-256 of the text: <code class="hash" data-testid="terms-hash">{termsText.hash}</code>
                </p>
                <div class="terms-text" tabIndex={0} role="region" aria-labelledby="terms-intro" data-testid="terms-text">
                  <pre>{termsText.text}</pre>
                </div>
              </>
            )}
            <div class="check">
              <input id="accept-terms" type="checkbox" checked={accepted} data-pointer="/participant/termsAndConditions" onChange={(e) => setAccepted((e.currentTarget as HTMLInputElement).checked)} />
              <label for="accept-terms">I accept these terms and conditions for my organisation</label>
            </div>
            {faultsFromPointer(faults, '/participant/termsAndConditions')}
          </fieldset>
          <button type="submit" disabled={busy}>{busy ? 'Onboarding…' : 'Onboard the legal person'}</button>
        </form>
      ) : null}
      {step === 2 ? (
        <form onSubmit={offer} class="card" aria-labelledby="step2-title" noValidate>
          <h2 id="step2-title">Service offering</h2>
          <Status>The legal person is onboarded: {participant.length} credentials issued.</Status>
          <Field label="Offering name" pointer={`${sp}/schema:name`} value={offering.name} onInput={o('name')} faults={faults} required />
          <Field label="Offering terms URL" type="url" pointer={`${sp}/gx:serviceOfferingTermsAndConditions/gx:url`} value={offering.termsUrl} onInput={o('termsUrl')} faults={faults} required />
          <Field label="Offering terms SHA-256" pointer={`${sp}/gx:serviceOfferingTermsAndConditions/gx:hash`} value={offering.termsHash} onInput={o('termsHash')} faults={faults} hint="64 lowercase hex digits" required />
          <fieldset>
            <legend>AI model (software resource)</legend>
            <Field label="Model name" pointer="/credentials/1/credentialSubject/schema:name" value={offering.modelName} onInput={o('modelName')} faults={faults} required />
            <Field label="Licence (SPDX id)" pointer="/credentials/1/credentialSubject/gx:license" value={offering.license} onInput={o('license')} faults={faults} required />
            <Field label="Version" pointer="/credentials/1/credentialSubject/gx:version" value={offering.version} onInput={o('version')} faults={faults} />
          </fieldset>
          <fieldset>
            <legend>IPCEI-AI profile</legend>
            <Field label="AI Act risk class" pointer={`${mp}/riskClass`} value={profile.riskClass} onInput={p('riskClass')} options={RISK_CLASSES} faults={faults} required />
            <Field label="Intended purpose" pointer={`${mp}/intendedPurpose`} value={profile.purpose} onInput={p('purpose')} faults={faults} required />
            <Field label="Model card URL" type="url" pointer={`${mp}/modelCard/url`} value={profile.cardUrl} onInput={p('cardUrl')} faults={faults} required />
            <Field label="Model card SHA-256" pointer={`${mp}/modelCard/hash`} value={profile.cardHash} onInput={p('cardHash')} faults={faults} hint="64 lowercase hex digits" required />
            <Field label="Training data (credential ids, space-separated)" pointer={`${mp}/trainingData`} value={profile.trainingData} onInput={p('trainingData')} faults={faults} />
            <div class="row">
              <Field label="Training compute" type="number" pointer={`${mp}/trainingCompute/value`} value={profile.computeValue} onInput={p('computeValue')} faults={faults} />
              <Field label="Compute unit" pointer={`${mp}/trainingCompute/unit`} value={profile.computeUnit} onInput={p('computeUnit')} options={[['FLOP', 'FLOP'], ['GPU-hour', 'GPU-hour']]} faults={faults} />
            </div>
            <div class="row">
              <Field label="Training energy" type="number" pointer={`${mp}/trainingEnergy/value`} value={profile.energyValue} onInput={p('energyValue')} faults={faults} />
              <Field label="Energy unit" pointer={`${mp}/trainingEnergy/unit`} value={profile.energyUnit} onInput={p('energyUnit')} options={[['kWh', 'kWh'], ['MWh', 'MWh'], ['GJ', 'GJ']]} faults={faults} />
            </div>
            <Field label="Hosting member states" pointer={`${mp}/hostingMemberState`} value={profile.hosting} onInput={p('hosting')} faults={faults} hint="EU member state codes, e.g. FR DE" required />
          </fieldset>
          <button type="submit" disabled={busy}>{busy ? 'Issuing…' : 'Issue the service offering'}</button>
        </form>
      ) : null}
      {step === 3 ? (
        <section class="card" aria-labelledby="step3-title">
          <h2 id="step3-title">Label</h2>
          <Status>The service offering is issued: {offered.length} credentials.</Status>
          <Field label="Label level" value={level} onInput={setLevel} options={LABEL_LEVELS} pointer="/level" faults={faults} />
          <Field label="Who may fetch the label" value={labelVisibility} onInput={setLabelVisibility} pointer="/visibility" faults={faults}
            options={[['private', 'Private: you, admins and auditors (default)'], ['public', 'Public: anyone with its id, e.g. a connector checking it']]} />
          <button type="button" disabled={busy} onClick={getLabel}>{busy ? 'Deciding…' : 'Get the label'}</button>
          {label === undefined ? null : (
            <div class="issued">
              <Status>Label issued: <code data-testid="label-id">{label.id}</code>{label.validUntil === undefined ? '' : `, valid until ${label.validUntil}`}</Status>
              <label for="label-jwt">The label (vc+jwt)</label>
              <textarea id="label-jwt" readOnly rows={4} value={label.jwt} />
            </div>
          )}
          <div class="actions">
            {label === undefined ? null : <button type="button" onClick={() => download('label.jwt', label.jwt, 'application/vc+jwt')}>Download the label</button>}
            <button type="button" onClick={() => download('credentials.json', pretty([...participant, ...offered].filter((c, i, all) => all.findIndex((d) => d.id === c.id) === i).map((c) => c.jwt ?? c.verifiableCredential)))}>Download the credentials</button>
            <button type="button" disabled={busy} onClick={downloadPresentation}>Download a presentation (vp+jwt)</button>
          </div>
        </section>
      ) : null}
    </div>
  );
}

/** Findings at a group's own pointer (none of its fields): shown under the group. */
function faultsFromPointer(faults: Fault[], pointer: string) {
  const here = faults.filter((f) => f.pointer === pointer);
  if (here.length === 0) return null;
  return <div class="fault" data-testid="field-fault">{here.map((f, i) => <p key={i}><strong>{f.code ?? f.rule}</strong>: {f.detail ?? f.message}{f.hint === undefined ? null : <span class="fault-hint"> Hint: {f.hint}</span>}</p>)}</div>;
}
