/** The console's few building blocks: a labelled field with its hint and fault, an alert, a download. */
import type { ComponentChildren } from 'preact';
import { ApiError, faultsOf, type Fault } from './api';

export interface FieldProps {
  label: string;
  /** The field's JSON pointer in the request body: server findings at this pointer show here. */
  pointer?: string;
  value: string;
  onInput: (value: string) => void;
  faults?: readonly Fault[];
  /** Shown under the field as typed (client-side checks); the server still decides. */
  advice?: string | undefined;
  hint?: string;
  type?: 'text' | 'password' | 'url' | 'number' | 'date';
  list?: string;
  required?: boolean;
  multiline?: boolean;
  options?: readonly (readonly [string, string])[];
  id?: string;
  autocomplete?: string;
}

/** The faults whose pointer is this field's, or inside it. */
export function faultsAt(faults: readonly Fault[] | undefined, pointer: string | undefined): Fault[] {
  if (faults === undefined || pointer === undefined) return [];
  return faults.filter((f) => f.pointer === pointer || (f.pointer !== undefined && f.pointer.startsWith(`${pointer}/`)));
}

export function Field(props: FieldProps) {
  const id = props.id ?? `field-${(props.pointer ?? props.label).replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const here = faultsAt(props.faults, props.pointer);
  const described = [props.hint === undefined ? '' : `${id}-hint`, props.advice === undefined ? '' : `${id}-advice`, here.length === 0 ? '' : `${id}-fault`].filter(Boolean).join(' ');
  const common = {
    id,
    name: id,
    value: props.value,
    'aria-invalid': here.length > 0 ? ('true' as const) : undefined,
    'aria-describedby': described === '' ? undefined : described,
    'data-pointer': props.pointer,
    required: props.required,
    onInput: (event: Event) => props.onInput((event.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class={`field${here.length > 0 ? ' field-invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.options !== undefined ? (
        <select {...common} onChange={common.onInput}>
          {props.options.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
        </select>
      ) : props.multiline === true ? (
        <textarea {...common} rows={8} spellcheck={false} />
      ) : (
        <input {...common} type={(props.type ?? 'text') as 'text'} list={props.list} autocomplete={props.autocomplete ?? 'off'} />
      )}
      {props.hint === undefined ? null : <p class="hint" id={`${id}-hint`}>{props.hint}</p>}
      {props.advice === undefined ? null : <p class="advice" id={`${id}-advice`}>{props.advice}</p>}
      {here.length === 0 ? null : (
        <div class="fault" id={`${id}-fault`} data-testid="field-fault">
          {here.map((f, i) => (
            <p key={i}>
              <strong>{f.code ?? f.rule ?? 'Refused'}</strong>: {f.detail ?? f.message}
              {f.hint === undefined ? null : <span class="fault-hint"> Hint: {f.hint}</span>}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}

/** An error announced to screen readers (role=alert) with every fault, its pointer and hint. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === undefined || error === null) return <div class="sr-live" aria-live="assertive" />;
  const faults = error instanceof ApiError ? faultsOf(error.problem) : [{ detail: String(error instanceof Error ? error.message : error) }];
  const title = error instanceof ApiError ? `${error.problem.status} ${error.problem.code ?? ''} ${error.problem.title ?? ''}`.trim() : 'Something went wrong';
  return (
    <div class="error" role="alert" aria-live="assertive">
      <p><strong>{title}</strong></p>
      <ul>
        {faults.map((f, i) => (
          <li key={i}>
            {f.pointer === undefined ? null : <code>{f.pointer}</code>} {f.detail ?? f.message}
            {f.hint === undefined ? null : <span class="fault-hint"> Hint: {f.hint}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Status({ children }: { children: ComponentChildren }) {
  return <p class="status" role="status" aria-live="polite">{children}</p>;
}

/** Saves what the page holds as a file (a blob URL: nothing goes back to the server). */
export function download(name: string, content: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const pretty = (value: unknown): string => JSON.stringify(value, null, 2);
